// The submission history: every extract saved, transfer and confirmed upload, with its period,
// counts, checksum, who made it and its receipt (data leads and administrators).
import { useQuery } from "@tanstack/react-query";
import type { Submission } from "../bindings/Submission";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError } from "../data";

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
  return (
    <section aria-labelledby="history-title" data-testid="history">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      <h1 id="history-title">History</h1>
      <p className="hint">Every extract saved for upload and every transfer, newest first, with the proof of what was sent.</p>
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
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
