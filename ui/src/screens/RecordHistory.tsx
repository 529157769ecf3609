// Who changed a client's records, what and when (data leads and administrators; the core checks).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError } from "../data";
import { SCOPE } from "./ClientRecord";

const ACTION: Record<string, string> = {
  create: "Created",
  update: "Changed",
  delete: "Deleted",
  view: "Opened",
  consent: "Consent recorded",
  assign: "Keyworker changed",
  edit_locked_period: "Changed in a transferred period",
};

export function RecordHistory({ reference }: { reference: string }) {
  const history = useQuery({ queryKey: ["record_history", reference], queryFn: () => commands.recordHistory(reference), staleTime: 0 });
  const error = asAppError(history.error);
  // Openings are many and say nothing changed: shown only when asked for.
  const [views, setViews] = useState(false);
  const rows = (history.data ?? []).filter((h) => views || h.action !== "view");
  const field = (action: string, f: string) => (action === "consent" ? `${SCOPE[f as "ndtms" | "ips"] ?? f} consent` : f);
  return (
    <section aria-labelledby="history-title" data-testid="record-history-page">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      <p>
        <Link to="/clients/$reference" params={{ reference }}>
          Back to client {reference}
        </Link>
      </p>
      <h1 id="history-title">History of client {reference}</h1>
      {history.isPending && <p role="status">Reading the audit trail…</p>}
      <label className="choice">
        <input type="checkbox" checked={views} onChange={(e) => setViews(e.target.checked)} data-testid="history-views" />
        Show each time the record was opened
      </label>
      {history.data && (
        <table className="users" data-testid="history-table">
          <caption>Newest first; the latest 500 entries</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Record</th>
              <th scope="col">Field</th>
              <th scope="col">Was</th>
              <th scope="col">Now</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((h, i) => (
              <tr key={`${h.at}-${i}`}>
                <td>{new Date(h.at).toLocaleString("en-GB")}</td>
                <td>{h.by}</td>
                <td>{ACTION[h.action] ?? h.action}</td>
                <td>{h.record}</td>
                <td>{field(h.action, h.field)}</td>
                <td>{h.action === "create" ? "" : h.old_value}</td>
                <td>{h.action === "create" ? "(all values)" : h.new_value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
