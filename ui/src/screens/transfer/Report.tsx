// "Transfer data": the pre-transfer report. Load and data-quality percentages with their
// formulas, counts, the findings grouped by rule, and every finding a link to the record to fix.
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef, useState } from "react";
import type { Finding } from "../../bindings/Finding";
import type { ReportSummary } from "../../bindings/ReportSummary";
import { commands } from "../../bindings/commands";
import { ErrorSummary } from "../../components/ErrorSummary";
import { asAppError, useCommand } from "../../data";
import { SEVERITY } from "../ClientRecord";
import { count, percent, reportKey, startBuild } from "./job";
import { day, seconds } from "../../format";

const PAGE = 200;

export function Report() {
  const report = useQuery({ queryKey: reportKey, queryFn: () => commands.extractReport(), staleTime: 0, gcTime: 0 });
  const error = asAppError(report.error);
  if (error)
    return (
      <>
        <ErrorSummary problems={[{ field: null, message: error.message }]} />
        <a href="#/transfer">Build the file</a>
      </>
    );
  if (!report.data) return <p role="status">Opening the report…</p>;
  return <Shown r={report.data} />;
}

function Shown({ r }: { r: ReportSummary }) {
  const navigate = useNavigate();
  const [rule, setRule] = useState<string | null>(null);
  const p = r.data_period;
  const again = useCommand((_: null) => startBuild(p.year, p.month, day(p.end)));
  const clean = r.errors === 0 && r.warnings === 0;
  return (
    <section aria-labelledby="report-title" data-testid="transfer-report">
      <ErrorSummary problems={again.error ? [{ field: null, message: again.error.message }] : []} />
      <h1 id="report-title">Before you send: the file's report</h1>
      <p className="lede">
        {r.file_name} · {r.period} · checked {r.checked_on} against {r.reference_version}
      </p>
      {r.took && (
        <p className="hint" data-testid="report-took">
          Built and checked in {seconds(r.took.reading + r.took.building + r.took.checking)}: reading
          the records {seconds(r.took.reading)}, laying out the rows {seconds(r.took.building)},
          checking them {seconds(r.took.checking)}.
        </p>
      )}
      <div className="scores" data-testid="scores">
        <div className={`score ${r.load_percent === 100 ? "full" : ""}`}>
          <span className="score-value" data-testid="load-percent">
            {percent(r.load_percent)}
          </span>
          <span className="score-label">Load</span>
        </div>
        <div className={`score ${r.data_quality_percent === 100 ? "full" : ""}`}>
          <span className="score-value" data-testid="quality-percent">
            {percent(r.data_quality_percent)}
          </span>
          <span className="score-label">Data quality</span>
        </div>
        <dl className="facts">
          <dt>Rows</dt>
          <dd data-testid="report-rows">{count(r.rows)}</dd>
          <dt>Clients</dt>
          <dd>{count(r.clients)}</dd>
          <dt>Errors</dt>
          <dd data-testid="report-errors">{count(r.errors)}</dd>
          <dt>Warnings</dt>
          <dd data-testid="report-warnings">{count(r.warnings)}</dd>
          <dt>Mismatches</dt>
          <dd data-testid="report-mismatches">{count(r.mismatches)}</dd>
        </dl>
      </div>
      <details data-testid="formulas">
        <summary>How these are worked out</summary>
        <p>{r.formulas}</p>
      </details>
      {clean ? (
        <p className="panel-confirm" role="status" data-testid="report-clean">
          No errors and no warnings: every row would load.
        </p>
      ) : (
        <>
          <h2 id="rules-title">What stops 100%</h2>
          <table className="users" aria-labelledby="rules-title" data-testid="rules">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Kind</th>
                <th scope="col">Findings</th>
                <th scope="col">For example</th>
              </tr>
            </thead>
            <tbody>
              {r.rules.map((g) => (
                <tr key={g.rule} data-testid={`rule-${g.rule}`}>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      aria-pressed={rule === g.rule}
                      onClick={() => setRule(rule === g.rule ? null : g.rule)}
                      data-testid={`show-rule-${g.rule}`}
                    >
                      {g.rule}
                    </button>
                  </td>
                  <td>
                    <span className={`tag ${g.severity}`}>{SEVERITY[g.severity]}</span>
                  </td>
                  <td>{count(g.count)}</td>
                  <td>{g.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <FindingList rule={rule} total={rule ? (r.rules.find((g) => g.rule === rule)?.count ?? 0) : r.errors + r.warnings + r.mismatches} />
        </>
      )}
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            void again.run(null).then((x) => {
              if (x !== undefined) void navigate({ to: "/transfer/build" });
            })
          }
          disabled={again.busy}
          data-testid="check-again"
        >
          Check again
        </button>
        <a className="button" href="#/transfer/send" data-testid="go-send">
          Send to the portal
        </a>
        <a className="button secondary" href="#/transfer/save" data-testid="go-save">
          Save for upload
        </a>
      </div>
    </section>
  );
}

/** Every finding (of one rule, when chosen), virtualised: a page of them is asked for as it scrolls into view. */
function FindingList({ rule, total }: { rule: string | null; total: number }) {
  const scroll = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: total, getScrollElement: () => scroll.current, estimateSize: () => 64, overscan: 8 });
  const items = virtual.getVirtualItems();
  const pages = [...new Set(items.map((i) => Math.floor(i.index / PAGE)))];
  return (
    <>
      <h2 id="findings-title">
        {rule ? `Findings of ${rule}` : "Every finding"} ({count(total)})
      </h2>
      <div ref={scroll} className="findings-scroll" role="list" aria-labelledby="findings-title" data-testid="report-findings">
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {pages.map((page) => (
            <Page key={`${rule}-${page}`} rule={rule} page={page} items={items.filter((i) => Math.floor(i.index / PAGE) === page)} />
          ))}
        </div>
      </div>
    </>
  );
}

function Page({ rule, page, items }: { rule: string | null; page: number; items: { index: number; start: number; size: number }[] }) {
  const q = useQuery({
    queryKey: ["extract_findings", rule, page],
    queryFn: () => commands.extractFindings(rule, page * PAGE, PAGE),
    staleTime: 0,
    gcTime: 5_000,
  });
  return (
    <>
      {items.map((i) => {
        const f = q.data?.findings[i.index - page * PAGE];
        return (
          <div key={i.index} role="listitem" className="report-finding" style={{ position: "absolute", top: 0, left: 0, right: 0, height: i.size, transform: `translateY(${i.start}px)` }}>
            {f ? <FindingRow f={f} /> : <span className="hint">…</span>}
          </div>
        );
      })}
    </>
  );
}

function FindingRow({ f }: { f: Finding }) {
  const navigate = useNavigate();
  const open = useCommand((_: null) => commands.findingPlace(f.client_id, f.episode_id, f.child_id, f.field));
  const where = [f.client_id && `client ${f.client_id}`, f.episode_id && `episode ${f.episode_id}`, f.child_id && `record ${f.child_id}`, f.field, f.line && `line ${f.line}`]
    .filter(Boolean)
    .join(" · ");
  return (
    <div className={`finding ${f.severity}`} data-testid="report-finding">
      <span className={`tag ${f.severity}`}>{SEVERITY[f.severity]}</span>{" "}
      {f.client_id ? (
        <button
          type="button"
          className="link-button"
          data-testid={`open-finding-${f.rule}`}
          onClick={() =>
            void open.run(null).then((at) => {
              if (!at) return;
              const { place, field } = at;
              void navigate({
                to: "/clients/$reference/record",
                params: { reference: place.client },
                search: {
                  section: place.section,
                  episode: place.episode ?? undefined,
                  intervention: place.intervention ?? undefined,
                  id: place.id ?? undefined,
                  field: field || undefined,
                  finding: `${f.message} ${f.fix}`,
                },
              });
            })
          }
        >
          {f.message}
        </button>
      ) : (
        f.message
      )}{" "}
      <span className="hint">
        {f.fix} {where} · {f.rule}
        {open.data?.keyworker && ` · keyworker ${open.data.keyworker.display_name}`}
      </span>
    </div>
  );
}
