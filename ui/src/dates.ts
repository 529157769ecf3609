// Dates as the screens show them.

/** An ISO date (yyyy-mm-dd) as dd/mm/yyyy; anything else as it is. */
export function day(iso: string): string {
  const [y, m, d] = iso.split("-");
  return y && m && d ? `${d}/${m}/${y}` : iso;
}
