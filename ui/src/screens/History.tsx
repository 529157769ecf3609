// The submission history: every extract saved, transfer and confirmed upload, with its period,
// counts, checksum, who made it and its receipt (data leads and administrators).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Submission } from "../bindings/Submission";
import { commands } from "../bindings/commands";
import { ErrorSummary, refusal, sentence } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { asAppError, useCommand, useSession } from "../data";
import { day } from "../format";

const KIND: Record<Submission["kind"], string> = {
  extract: "Saved for upload",
  transfer: "Transferred",
};

export function History() {
  const list = useQuery({ queryKey: ["submissions"], queryFn: () => commands.submissions(), staleTime: 0 });
  const error = asAppError(list.error);
  const session = useSession();
  const mayUnlock = session?.session.permissions.includes("edit_locked_period") ?? false;
  const [confirming, setConfirming] = useState<Submission | null>(null);
  const [unlocking, setUnlocking] = useState<Submission | null>(null);
  const [confirmed, setConfirmed] = useState<string | null>(null);
  // An extract saved for upload whose file has not been recorded as uploaded yet.
  const sent = new Set((list.data ?? []).filter((s) => s.kind === "transfer").map((s) => s.sha256));
  const awaiting = (s: Submission) => s.kind === "extract" && s.receipt !== "" && !sent.has(s.sha256);
  const unfinished = useQuery({ queryKey: ["unfinished_transfers"], queryFn: () => commands.unfinishedTransfers(), staleTime: 0 });
  return (
    <section aria-labelledby="history-title" data-testid="history">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      <h1 id="history-title">History</h1>
      <p className="hint">Every extract saved for upload and every transfer, newest first, with the proof of what was sent.</p>
      <p>
        <a href="#/import" data-testid="go-import">
          Import a CDS-R file
        </a>{" "}
        <span className="hint">(leaving the Data Entry Tool or another system)</span>
      </p>
      {(unfinished.data ?? []).map((u) => (
        <div className="card error" role="alert" key={`${u.file_name}-${u.started_at}`} data-testid="unfinished-transfer">
          <h2>A transfer did not finish</h2>
          <p>
            {u.by} began sending <code>{u.file_name}</code> ({day(u.period_start)} to {day(u.period_end)}) at{" "}
            {u.started_at.slice(0, 16).replace("T", " ")}, and it never ended: NDTMS Desk was closed or the computer
            stopped mid-way. Check on the portal whether the file arrived before sending it again.
          </p>
        </div>
      ))}
      {confirmed && (
        <p className="panel-confirm" role="status" data-testid="upload-confirmed">
          {confirmed}
        </p>
      )}
      {unlocking && (
        <UnlockPeriod
          s={unlocking}
          onDone={(words) => {
            setUnlocking(null);
            setConfirmed(words);
          }}
          onCancel={() => setUnlocking(null)}
        />
      )}
      {confirming && (
        <ConfirmUpload
          s={confirming}
          onDone={(words) => {
            setConfirming(null);
            setConfirmed(words);
          }}
          onCancel={() => setConfirming(null)}
        />
      )}
      {list.data && list.data.length === 0 && <p data-testid="history-empty">Nothing has been saved or sent yet.</p>}
      {list.data && list.data.length > 0 && (
        <table className="users" data-testid="history-list">
          <caption className="visually-hidden">Submissions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Reporting period</th>
              <th scope="col">Rows</th>
              <th scope="col">Clients</th>
              <th scope="col">By</th>
              <th scope="col">File and checksum</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.id} data-testid="history-row">
                <td>{new Date(s.created_at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}</td>
                <td>
                  {KIND[s.kind]}
                  {s.locks_period && <span className="hint"> (period locked)</span>}
                  {s.locks_period && mayUnlock && (
                    <>
                      <br />
                      <button type="button" className="link-button" onClick={() => setUnlocking(s)} data-testid={`unlock-${s.id}`}>
                        Unlock this period
                      </button>
                    </>
                  )}
                  <Totals report={s.report} />
                </td>
                <td>
                  {day(s.period_start)} to {day(s.period_end)}
                </td>
                <td>{s.rows.toLocaleString("en-GB")}</td>
                <td>{s.clients.toLocaleString("en-GB")}</td>
                <td>{s.user}</td>
                <td>
                  {s.file_name}
                  <br />
                  <span className="hint" title={s.sha256}>
                    SHA-256 {s.sha256.slice(0, 16)}…
                  </span>
                  {awaiting(s) && (
                    <>
                      <br />
                      <button type="button" className="link-button" onClick={() => setConfirming(s)} data-testid={`confirm-upload-${s.id}`}>
                        I have uploaded this file
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * A one-field form on the history page (the upload to record, the unlock's reason): its
 * problem summarised and at the field, a button to do it and one to cancel.
 */
function OneQuestion({
  testid,
  title,
  intro,
  field,
  submit,
  command,
  onDone,
  onCancel,
}: {
  testid: string;
  title: string;
  intro?: string;
  field: { id: string; label: string; hint?: string; value: string; onChange: (v: string) => void };
  submit: string;
  command: () => Promise<string | null>;
  onDone: (words: string) => void;
  onCancel: () => void;
}) {
  const run = useCommand((_: null) => command(), [["submissions"]]);
  const problem = refusal(run.error, () => field.id);
  return (
    <form
      className="form card"
      data-testid={testid}
      onSubmit={(e) => {
        e.preventDefault();
        void run.run(null).then((words) => {
          if (words) onDone(words);
        });
      }}
    >
      <ErrorSummary problems={problem.problems} />
      <h2>{title}</h2>
      {intro && <p>{intro}</p>}
      <Field {...field} autoComplete="off" error={problem.at(field.id)} />
      <div className="actions">
        <button type="submit" className="primary" disabled={run.busy} data-testid={`${testid}-submit`}>
          {submit}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** "I have uploaded this file": the carried file checked against its manifest and recorded. */
function ConfirmUpload({ s, onDone, onCancel }: { s: Submission; onDone: (words: string) => void; onCancel: () => void }) {
  const folder = useQuery({ queryKey: ["extract_folder"], queryFn: () => commands.extractFolder() });
  const [file, setFile] = useState<string | null>(null);
  const path = file ?? (folder.data ? `${folder.data}/${s.file_name}` : "");
  return (
    <OneQuestion
      testid="confirm-upload"
      title={`Record the upload of ${s.file_name}`}
      field={{
        id: "upload-file",
        label: "The file you uploaded",
        hint: "Where it is now (its manifest beside it): it is checked against the manifest before the upload is recorded.",
        value: path,
        onChange: setFile,
      }}
      submit="Record the upload"
      command={async () => {
        const c = await commands.confirmUpload(path);
        return `Recorded the upload of ${c.file} (${c.period_start} to ${c.period_end}, ${c.rows.toLocaleString("en-GB")} rows): the period is locked.`;
      }}
      onDone={onDone}
      onCancel={onCancel}
    />
  );
}

/** The report kept with a file: its totals as they were when it was saved or sent. */
function Totals({ report }: { report: string }) {
  let t: Record<string, number> = {};
  try {
    t = JSON.parse(report) as Record<string, number>;
  } catch {
    return null;
  }
  if (typeof t["rows"] !== "number") return null;
  const n = (k: string) => (t[k] ?? 0).toLocaleString("en-GB");
  return (
    <details className="history-report">
      <summary>Its report</summary>
      <p>
        Load {n("load_percent")}%, data quality {n("data_quality_percent")}%: {n("errors")} errors, {n("warnings")} warnings,{" "}
        {n("mismatches")} mismatches in {n("rows")} rows.
      </p>
    </details>
  );
}

/** Unlocking a transferred period, on its own form, with the reason (audited). */
function UnlockPeriod({ s, onDone, onCancel }: { s: Submission; onDone: (words: string) => void; onCancel: () => void }) {
  const [because, setBecause] = useState("");
  const period = `${day(s.period_start)} to ${day(s.period_end)}`;
  return (
    <OneQuestion
      testid="unlock"
      title={`Unlock ${period}`}
      intro="Records in the period can then be changed without a data lead. The transfer stays in the history; the unlock and its reason are recorded."
      field={{ id: "unlock-because", label: "Why is it being unlocked?", value: because, onChange: setBecause }}
      submit="Unlock the period"
      command={async () => {
        await commands.unlockPeriod(s.id, because);
        return `Unlocked ${period}: records in it can be changed until the next transfer locks it again.`;
      }}
      onDone={onDone}
      onCancel={onCancel}
    />
  );
}
