// The data-quality dashboard (data leads): load and data-quality percentages over the past
// year, what is behind the findings of the month due, and where clients' treatment stands.
import * as Plot from "@observablehq/plot";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import type { Dashboard } from "../bindings/Dashboard";
import { commands } from "../bindings/commands";
import { Chart, ChartTable } from "../components/Chart";
import { ErrorSummary } from "../components/ErrorSummary";
import { asAppError } from "../data";
import { count, percent } from "../format";
import { SEVERITY } from "./ClientRecord";

const ERROR = "#b3261e";
const BLUE = "#1d4f73";
const AMBER = "#8a5a00";

export function Reports() {
  const q = useQuery({ queryKey: ["dashboard"], queryFn: () => commands.dashboard(), staleTime: 0, gcTime: 0 });
  const error = asAppError(q.error);
  return (
    <section aria-labelledby="reports-title" data-testid="reports">
      <ErrorSummary problems={error ? [{ field: null, message: error.message }] : []} />
      <h1 id="reports-title">Data quality</h1>
      {!q.data && !error && (
        <p role="status" data-testid="reports-busy">
          Checking the month due as the portal would…
        </p>
      )}
      {q.data && <Shown d={q.data} />}
    </section>
  );
}

function Shown({ d }: { d: Dashboard }) {
  // The charts' rows, made once per answer (each chart redraws when its rows change).
  const months = useMemo(
    () =>
      d.months.flatMap((m) => [
        { month: m.month, measure: "Load", percent: m.load_percent },
        { month: m.month, measure: "Data quality", percent: m.data_quality_percent },
      ]),
    [d.months],
  );
  const order = useMemo(() => d.months.map((m) => m.month), [d.months]);
  // Grouped bars: the two percentages side by side for each month, so equal values never hide
  // one another.
  const scores = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: 260,
        fx: { domain: order, label: null },
        x: { domain: ["Load", "Data quality"], axis: null },
        y: { domain: [0, 100], label: "%", grid: true },
        color: { domain: ["Load", "Data quality"], range: [BLUE, AMBER], legend: true },
        marks: [
          Plot.barY(months, { fx: "month", x: "measure", y: "percent", fill: "measure" }),
          Plot.text(months, {
            fx: "month",
            x: "measure",
            y: "percent",
            text: (r: { percent: number }) => percent(r.percent),
            dy: -8,
          }),
          Plot.ruleY([0]),
        ],
      }),
    [months, order],
  );
  const rules = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: Math.max(80, d.rules.length * 28 + 40),
        marginLeft: 90,
        x: { label: "findings", grid: true },
        y: { domain: d.rules.map((r) => r.rule), label: null },
        marks: [Plot.barX(d.rules, { x: "count", y: "rule", fill: (r: { severity: string }) => (r.severity === "error" ? ERROR : AMBER) }), Plot.ruleX([0])],
      }),
    [d.rules],
  );
  const fieldRows = useMemo(
    () =>
      d.fields.flatMap((f) => [
        { field: f.label, kind: "Missing", n: f.missing },
        { field: f.label, kind: "Not valid", n: f.invalid },
      ]),
    [d.fields],
  );
  const fields = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: Math.max(80, d.fields.length * 28 + 60),
        marginLeft: 200,
        x: { label: "findings", grid: true },
        y: { domain: d.fields.map((f) => f.label), label: null },
        color: { domain: ["Missing", "Not valid"], range: [AMBER, ERROR], legend: true },
        marks: [Plot.barX(fieldRows, { x: "n", y: "field", fill: "kind" }), Plot.ruleX([0])],
      }),
    [d.fields, fieldRows],
  );
  const clients = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: 120,
        marginLeft: 280,
        x: { label: "clients", grid: true },
        y: { label: null },
        marks: [Plot.barX(d.clients, { x: "clients", y: "status", fill: BLUE }), Plot.ruleX([0])],
      }),
    [d.clients],
  );
  const n = count;
  const pct = percent;
  return (
    <>
      <p className="lede">
        Dataset {d.dataset}. The last month is the month due, checked now; the others are as each file was sent or saved.
      </p>
      <Chart
        id="chart-scores"
        title="Load and data quality by month"
        draw={scores}
        table={<ChartTable head={["Month", "Load", "Data quality", "From"]} rows={d.months.map((m) => [m.month, m.month, pct(m.load_percent), pct(m.data_quality_percent), m.source] as const)} />}
      />
      {d.rules.length === 0 ? (
        <p className="panel-confirm" data-testid="reports-clean">
          The month due has no errors and no warnings.
        </p>
      ) : (
        <>
          <Chart
            id="chart-rules"
            title="The rules with most findings this month"
            draw={rules}
            table={<ChartTable head={["Rule", "Kind", "Findings", "For example"]} rows={d.rules.map((r) => [r.rule, r.rule, SEVERITY[r.severity], n(r.count), r.message] as const)} />}
          />
          <Chart
            id="chart-fields"
            title="The fields most often missing or not valid"
            draw={fields}
            table={<ChartTable
                head={["Field", "Missing", "Not valid"]}
                rows={d.fields.map((f) => [f.field, <>{f.label} <span className="hint">{f.field}</span></>, n(f.missing), n(f.invalid)] as const)}
              />}
          />
        </>
      )}
      <Chart
        id="chart-clients"
        title="Clients by where their treatment stands"
        draw={clients}
        table={<ChartTable head={["Treatment", "Clients"]} rows={d.clients.map((c) => [c.status, c.status, n(c.clients)] as const)} />}
      />
      <p>
        <a href="#/transfer">Build and check the month's file</a> to see every finding with a link to its record.
      </p>
    </>
  );
}
