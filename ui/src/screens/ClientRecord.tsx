import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { ConsentScope } from "../bindings/ConsentScope";
import type { ConsentStatus } from "../bindings/ConsentStatus";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError } from "../data";

export const clientKey = (reference: string) => ["client", reference] as const;

export const STATUS: Record<ConsentStatus, string> = {
  given: "Given",
  refused: "Refused",
  withdrawn: "Withdrawn",
};

export const SCOPE: Record<ConsentScope, string> = {
  ndtms: "NDTMS",
  ips: "IPS (employment support)",
};

/**
 * A client's record: attributors, consent to NDTMS and to IPS with the history of each, and the
 * episodes. Episodes as treatment journeys, the forms and the audit history come next.
 */
export function ClientRecord({ reference, recorded }: { reference: string; recorded?: string | undefined }) {
  const view = useQuery({ queryKey: clientKey(reference), queryFn: () => commands.clientView(reference), staleTime: 0 });
  const error = asAppError(view.error);
  const c = view.data;
  return (
    <section aria-labelledby="client-title" data-testid="client">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      <p>
        <Link to="/caseload">Back to the caseload</Link>
      </p>
      {recorded && (
        <div className="panel-confirm" role="status" data-testid="client-confirm">
          {recorded}
        </div>
      )}
      <h1 id="client-title">Client {reference}</h1>
      {view.isPending && <p role="status">Opening…</p>}
      {c && (
        <>
          <section className="card" aria-labelledby="attributors-title">
            <h2 id="attributors-title">Attributors</h2>
            <dl className="facts">
              {c.attributors.map((a) => (
                <div key={a.label} style={{ display: "contents" }}>
                  <dt>{a.label}</dt>
                  <dd>{a.value || <span className="hint">not recorded</span>}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section className="card" aria-labelledby="consent-title" data-testid="consent">
            <h2 id="consent-title">Consent</h2>
            <dl className="facts">
              {(["ndtms", "ips"] as const).map((scope) => {
                const status = c[scope];
                return (
                  <div key={scope} style={{ display: "contents" }}>
                    <dt>{SCOPE[scope]}</dt>
                    <dd data-testid={`consent-${scope}`}>
                      {status ? STATUS[status] : "Not recorded"}{" "}
                      <Link
                        to="/clients/$reference/consent"
                        params={{ reference }}
                        search={{ scope }}
                        data-testid={`record-${scope}`}
                      >
                        Record a decision<span className="visually-hidden"> about {SCOPE[scope]} consent</span>
                      </Link>
                    </dd>
                  </div>
                );
              })}
            </dl>
            {c.ndtms && c.ndtms !== "given" && (
              <p className="notice" data-testid="consent-consequence">
                Only the agency code, the consent answer and the client reference are sent to NDTMS for this client.
              </p>
            )}
            {c.history.length > 0 && (
              <table className="users" data-testid="consent-history">
                <caption>History</caption>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">For</th>
                    <th scope="col">Decision</th>
                    <th scope="col">Recorded by</th>
                  </tr>
                </thead>
                <tbody>
                  {c.history.map((e) => (
                    <tr key={`${e.scope}-${e.recorded_at}`}>
                      <td>{e.date}</td>
                      <td>{SCOPE[e.scope]}</td>
                      <td>{STATUS[e.status]}</td>
                      <td>{e.recorded_by}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="card" aria-labelledby="episodes-title">
            <h2 id="episodes-title">Episodes</h2>
            {c.episodes.length === 0 && <p>No episodes yet.</p>}
            <ul>
              {c.episodes.map((e) => (
                <li key={e.reference}>
                  {e.reference}: from {e.start || "an unrecorded date"}
                  {e.end ? ` to ${e.end}` : ", open"}
                </li>
              ))}
            </ul>
            <p className="hint">
              Episodes grouped into treatment journeys, with their interventions, reviews and outcome records, come with
              the forms.
            </p>
          </section>
        </>
      )}
    </section>
  );
}
