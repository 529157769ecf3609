// Import (leaving the old DET or another system; data leads): a CDS-R CSV checked first, with
// what would be created, changed or passed over, its findings and possible duplicates; then
// imported, all or nothing, exactly as checked.
import { useState } from "react";
import type { ImportPlan } from "../bindings/ImportPlan";
import { commands } from "../bindings/commands";
import { ErrorSummary, refusal } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { useCommand } from "../data";
import { count } from "../format";
import { SEVERITY } from "./ClientRecord";

const n = count;

export function Import() {
  const [file, setFile] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const check = useCommand((_: null) => commands.importPlan(file));
  const apply = useCommand((p: ImportPlan) => commands.importApply(p.file, p.sha256), [["caseload"], ["caseload_flags"]]);
  const problem = refusal(check.error ?? apply.error, () => "import-file");
  const plan = check.data;
  return (
    <section aria-labelledby="import-title" data-testid="import">
      <ErrorSummary problems={problem.problems} />
      <h1 id="import-title">Import a CDS-R file</h1>
      {done && (
        <p className="panel-confirm" role="status" data-testid="import-done">
          {done}
        </p>
      )}
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          setDone(null);
          apply.reset();
          void check.run(null);
        }}
      >
        <Field
          id="import-file"
          label="The file"
          hint="The full path of a CDS-R CSV file, for example one exported from the Data Entry Tool. Nothing is changed until you import it."
          value={file}
          onChange={setFile}
          autoComplete="off"
          error={problem.at("import-file")}
        />
        <div className="actions">
          <button type="submit" disabled={check.busy} data-testid="import-check">
            Check the file
          </button>
        </div>
      </form>
      {check.busy && <p role="status">Checking the file as the portal would…</p>}
      {plan && !done && (
        <section className="card" aria-labelledby="plan-title" data-testid="import-plan">
          <h2 id="plan-title">What importing it would do</h2>
          <dl className="facts">
            <dt>Rows</dt>
            <dd>{n(plan.rows)}</dd>
            <dt>Records to add</dt>
            <dd data-testid="import-create">{n(plan.preview.create)}</dd>
            <dt>Records to change</dt>
            <dd data-testid="import-change">{n(plan.preview.change)}</dd>
            <dt>Already the same</dt>
            <dd data-testid="import-same">{n(plan.preview.same)}</dd>
            <dt>Clients</dt>
            <dd>
              {n(plan.preview.clients_new)} new, {n(plan.preview.clients_known)} already here
            </dd>
            <dt>Findings</dt>
            <dd data-testid="import-findings">
              {n(plan.errors)} errors, {n(plan.warnings)} warnings (records with findings are imported and flagged, to put right here)
            </dd>
          </dl>
          {plan.preview.passed_over.length > 0 && (
            <p className="notice" data-testid="import-passed-over">
              Not imported, having no client ID: line{plan.preview.passed_over.length > 1 ? "s" : ""} {plan.preview.passed_over.slice(0, 20).join(", ")}
              {plan.preview.passed_over.length > 20 ? "…" : ""}.
            </p>
          )}
          {plan.preview.duplicates.length > 0 && (
            <div className="notice" data-testid="import-duplicates">
              <p>New in the file, but with the same details as a client already here:</p>
              <ul>
                {plan.preview.duplicates.slice(0, 50).map((d) => (
                  <li key={d.reference}>
                    {d.reference}: the same as <a href={`#/clients/${encodeURIComponent(d.existing)}`}>{d.existing}</a>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {plan.rules.length > 0 && (
            <ul className="findings">
              {plan.rules.map((r) => (
                <li key={r.rule} className={`finding ${r.severity}`}>
                  <span className={`tag ${r.severity}`}>{SEVERITY[r.severity]}</span> {r.rule} × {n(r.count)}: {r.message}
                </li>
              ))}
            </ul>
          )}
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={apply.busy || plan.preview.create + plan.preview.change === 0}
              data-testid="import-apply"
              onClick={() =>
                void apply.run(plan).then((records) => {
                  if (records !== undefined)
                    setDone(
                      `Imported ${plan.file}: ${n(plan.preview.create)} records added and ${n(plan.preview.change)} changed, all in one step and recorded in the audit trail.`,
                    );
                })
              }
            >
              {plan.preview.create + plan.preview.change === 0 ? "Nothing to import: every record is already here" : "Import the file"}
            </button>
          </div>
        </section>
      )}
    </section>
  );
}
