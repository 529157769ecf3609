// A chart drawn by Observable Plot (bundled: works offline) into the page, with the table it
// is drawn from beside it for screen readers and anyone who prefers numbers.
import { useEffect, useRef, type ReactNode } from "react";

export function Chart({
  id,
  title,
  draw,
  table,
}: {
  id: string;
  title: string;
  /** Makes the chart's element (an SVG or a figure), sized for the page. */
  draw: (width: number) => Element;
  /** The same numbers as a table. */
  table: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = draw(Math.max(320, Math.min(el.clientWidth, 760)));
    chart.setAttribute("aria-hidden", "true");
    el.replaceChildren(chart);
    return () => el.replaceChildren();
  }, [draw]);
  return (
    <section className="card chart" aria-labelledby={`${id}-title`} data-testid={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div ref={box} className="chart-box" />
      <details>
        <summary>As a table</summary>
        {table}
      </details>
    </section>
  );
}

/** A chart's numbers as a plain table: a header row, then one row per item. */
export function ChartTable({ head, rows }: { head: readonly string[]; rows: readonly (readonly [string, ...ReactNode[]])[] }) {
  return (
    <table className="users">
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(([key, ...cells]) => (
          <tr key={key}>
            {cells.map((c, i) => (
              <td key={i}>{c}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
