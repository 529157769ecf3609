// The submission history: every extract saved, transfer and confirmed upload, with its period,
// counts, checksum, who made it and its receipt (data leads and administrators).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Submission } from "../bindings/Submission";
import { commands } from "../bindings/commands";
import { ErrorSummary, refusal, sentence } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { asAppError, useCommand, useSession } from "../data";

const KIND: Record<Submission["kind"], string> = {
  extract: "Saved for upload",
  transfer: "Transferred",
};

/** An ISO date (yyyy-mm-dd) as the screens show dates. */
function day(iso: string): string {
  const [y, m, d] = iso.split("-");
  return y && m && d ? `${d}/${m}/${y}` : iso;
}

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
  return (
    <section aria-labelledby="history-title" data-testid="history">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      <h1 id="history-title">History</h1>
      <p className="hint">Every extract saved for upload and every transfer, newest first, with the proof of what was sent.</p>
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

/** "I have uploaded this file": the carried file checked against its manifest and recorded. */
function ConfirmUpload({ s, onDone, onCancel }: { s: Submission; onDone: (words: string) => void; onCancel: () => void }) {
  const folder = useQuery({ queryKey: ["extract_folder"], queryFn: () => commands.extractFolder() });
  const [file, setFile] = useState<string | null>(null);
  const path = file ?? (folder.data ? `${folder.data}/${s.file_name}` : "");
  const confirm = useCommand((_: null) => commands.confirmUpload(path), [["submissions"]]);
  const problem = refusal(confirm.error, () => "upload-file");
  return (
    <form
      className="form card"
      data-testid="confirm-upload"
      onSubmit={(e) => {
        e.preventDefault();
        void confirm.run(null).then((c) => {
          if (c) onDone(`Recorded the upload of ${c.file} (${c.period_start} to ${c.period_end}, ${c.rows.toLocaleString("en-GB")} rows): the period is locked.`);
        });
      }}
    >
      <ErrorSummary problems={problem.problems} />
      <h2>Record the upload of {s.file_name}</h2>
      <Field
        id="upload-file"
        label="The file you uploaded"
        hint="Where it is now (its manifest beside it): it is checked against the manifest before the upload is recorded."
        value={path}
        onChange={setFile}
        autoComplete="off"
        error={problem.at("upload-file")}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={confirm.busy} data-testid="confirm-upload-submit">
          Record the upload
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
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
  const unlock = useCommand((_: null) => commands.unlockPeriod(s.id, because), [["submissions"]]);
  const problem = refusal(unlock.error, () => "unlock-because");
  return (
    <form
      className="form card"
      data-testid="unlock-period"
      onSubmit={(e) => {
        e.preventDefault();
        void unlock.run(null).then((r) => {
          if (r) onDone(`Unlocked ${day(s.period_start)} to ${day(s.period_end)}: records in it can be changed until the next transfer locks it again.`);
        });
      }}
    >
      <ErrorSummary problems={problem.problems} />
      <h2>
        Unlock {day(s.period_start)} to {day(s.period_end)}
      </h2>
      <p>Records in the period can then be changed without a data lead. The transfer stays in the history; the unlock and its reason are recorded.</p>
      <Field id="unlock-because" label="Why is it being unlocked?" value={because} onChange={setBecause} autoComplete="off" error={problem.at("unlock-because")} />
      <div className="actions">
        <button type="submit" className="primary" disabled={unlock.busy} data-testid="unlock-submit">
          Unlock the period
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
