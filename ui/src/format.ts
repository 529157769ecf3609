// Dates and numbers as the screens show them.

/** An ISO date (yyyy-mm-dd) as dd/mm/yyyy; anything else as it is. */
export function day(iso: string): string {
  const [y, m, d] = iso.split("-");
  return y && m && d ? `${d}/${m}/${y}` : iso;
}

/** Days to a deadline, in words: "3 days left", "today", "2 days ago". */
export function daysLeft(n: number): string {
  if (n > 1) return `${n} days left`;
  if (n === 1) return "1 day left";
  if (n === 0) return "today";
  return `${-n} day${n === -1 ? "" : "s"} ago`;
}

/** "12,345". */
export const count = (n: number) => n.toLocaleString("en-GB");

/** "99.5%". */
export const percent = (n: number) => `${n.toLocaleString("en-GB", { maximumFractionDigits: 1 })}%`;

/** Milliseconds as seconds to one decimal place ("2.4 s"). */
export const seconds = (ms: number) => `${(ms / 1000).toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;

/** A file's size as people read it: "820 bytes", "14.2 kB", "3.1 MB". */
export function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
