import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { ChildView } from "../bindings/ChildView";
import type { ClientPage } from "../bindings/ClientPage";
import type { ConsentScope } from "../bindings/ConsentScope";
import type { ConsentStatus } from "../bindings/ConsentStatus";
import type { Finding } from "../bindings/Finding";
import type { Permission } from "../bindings/Permission";
import type { Section } from "../bindings/Section";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError, queryClient, useCommand, useSession } from "../data";
import { SECTION_NAME } from "../forms/sections";

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

export const SEVERITY: Record<Finding["severity"], string> = {
  error: "Error",
  warning: "Warning",
  mismatch: "Mismatch",
};

/** Where a record sits, for its links: the client, its episode and (for reviews) its intervention. */
interface Place {
  client: string;
  episode: string;
  intervention?: string | undefined;
  editable: boolean;
  sections: readonly Section[];
}

function Child({ c, at }: { c: ChildView; at: Place }) {
  const label = SECTION_NAME[c.section];
  return (
    <li data-testid={`record-${c.section}-${c.reference}`}>
      <strong>
        {c.title} {c.reference}
      </strong>
      {c.summary.length > 0 && (
        <span className="hint"> · {c.summary.map((s) => `${s.label}: ${s.value}`).join(" · ")}</span>
      )}{" "}
      {at.editable && (
        <Link
          to="/clients/$reference/record"
          params={{ reference: at.client }}
          search={{ section: c.section, episode: at.episode, intervention: at.intervention, id: c.reference }}
        >
          Change<span className="visually-hidden"> {label} {c.reference}</span>
        </Link>
      )}
      {(c.reviews.length > 0 || (at.editable && c.section === "intervention" && at.sections.includes("sir"))) && (
        <ul>
          {c.reviews.map((r) => (
            <Child key={r.reference} c={r} at={{ ...at, intervention: c.reference }} />
          ))}
          {at.editable && c.section === "intervention" && at.sections.includes("sir") && (
            <li>
              <Link
                to="/clients/$reference/record"
                params={{ reference: at.client }}
                search={{ section: "sir", episode: at.episode, intervention: c.reference }}
              >
                Add a review<span className="visually-hidden"> of intervention {c.reference}</span>
              </Link>
            </li>
          )}
        </ul>
      )}
    </li>
  );
}

/** The records that can be added under an episode, by the sections the dataset records. */
const UNDER_EPISODE: readonly { section: Section; label: string }[] = [
  { section: "intervention", label: "Add an intervention" },
  { section: "top", label: "Add a TOP" },
  { section: "ypor", label: "Add a YPOR" },
  { section: "cir", label: "Add a client information review" },
];

/** "2 errors to fix and 5 items to add or check", for the top of the record. */
function summarise(findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === "error").length;
  const rest = findings.length - errors;
  const parts = [
    errors ? `${errors} error${errors === 1 ? "" : "s"} to fix` : "",
    rest ? `${rest} item${rest === 1 ? "" : "s"} to add or check` : "",
  ].filter(Boolean);
  return `${parts.join(" and ")}: see the list below.`;
}

/** An episode's own findings, under it on the timeline (all of them are listed above too). */
function EpisodeFindings({ findings }: { findings: readonly Finding[] }) {
  if (findings.length === 0) return <p className="hint">No findings for this episode.</p>;
  const errors = findings.filter((f) => f.severity === "error").length;
  return (
    <details className="episode-findings">
      <summary>
        {errors > 0 && <span className="tag error">{errors} to fix</span>}{" "}
        {findings.length - errors > 0 && <span className="tag warning">{findings.length - errors} to add or check</span>}
      </summary>
      <ul className="findings">
        {findings.map((f, i) => (
          <li key={`${f.rule}-${f.field}-${f.child_id}-${i}`}>
            {f.message} {f.fix}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Who holds the client, and giving them to someone else (or to oneself). */
function Keyworker({ page, reference }: { page: ClientPage; reference: string }) {
  const session = useSession();
  const people = useQuery({ queryKey: ["keyworkers"], queryFn: () => commands.keyworkers() });
  const assign = useCommand(async (username: string | null) => {
    const next = await commands.assignKeyworker(reference, username);
    queryClient.setQueryData(clientKey(reference), next);
    void queryClient.invalidateQueries({ queryKey: ["caseload"] });
    return next;
  });
  const holder = page.view.keyworker;
  const me = session?.session.username;
  const canEdit = session?.session.permissions.includes("edit_clients");
  return (
    <section className="card" aria-labelledby="keyworker-title" data-testid="keyworker">
      <h2 id="keyworker-title">Keyworker</h2>
      <p data-testid="keyworker-name">{holder ? holder.display_name : "No keyworker holds this client."}</p>
      {assign.error && <p className="error-message">{sentence(assign.error.message)}</p>}
      {canEdit && (
        <div className="inline-form">
          {me && holder?.username !== me && (
            <button type="button" onClick={() => void assign.run(me)} disabled={assign.busy} data-testid="assign-me">
              Make me their keyworker
            </button>
          )}
          <label htmlFor="assign-to">Give to</label>
          <select
            id="assign-to"
            value={holder?.username ?? ""}
            disabled={assign.busy}
            onChange={(e) => void assign.run(e.target.value || null)}
          >
            <option value="">Nobody</option>
            {(people.data ?? []).map((k) => (
              <option key={k.username} value={k.username}>
                {k.display_name}
              </option>
            ))}
          </select>
        </div>
      )}
    </section>
  );
}

/**
 * A client's record: attributors, consent to NDTMS and to IPS with the history of each, the
 * keyworker, the episodes as treatment journeys with everything under them, and what their
 * records would get in the month's report.
 */
export function ClientRecord({ reference, recorded }: { reference: string; recorded?: string | undefined }) {
  const session = useSession();
  const page = useQuery({ queryKey: clientKey(reference), queryFn: () => commands.clientPage(reference),
    // A page just answered by a change (saved, consent recorded) is not read again at once:
    // every read is an audited opening.
    staleTime: 2000,
  });
  const error = asAppError(page.error);
  const c = page.data?.view;
  const findings = page.data?.findings ?? [];
  const may = (p: Permission) => session?.session.permissions.includes(p) ?? false;
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
      {page.isPending && <p role="status">Opening…</p>}
      {c && page.data && (
        <>
          <p data-testid="findings-summary">
            {findings.length === 0 ? (
              "Nothing to complete or fix."
            ) : (
              <a href="#findings-title" onClick={(e) => {
                e.preventDefault();
                document.getElementById("findings-title")?.scrollIntoView();
              }}>
                {summarise(findings)}
              </a>
            )}
          </p>
          <section className="card" aria-labelledby="attributors-title">
            <h2 id="attributors-title">Attributors</h2>
            {may("edit_clients") && (
              <p>
                <Link
                  to="/clients/$reference/record"
                  params={{ reference }}
                  search={{ section: "client", id: reference }}
                  data-testid="change-client"
                >
                  Change the client's details
                </Link>
              </p>
            )}
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
                      {may("edit_clients") && (
                        <Link
                          to="/clients/$reference/consent"
                          params={{ reference }}
                          search={{ scope }}
                          data-testid={`record-${scope}`}
                        >
                          Record a decision<span className="visually-hidden"> about {SCOPE[scope]} consent</span>
                        </Link>
                      )}
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
          <Keyworker page={page.data} reference={reference} />
          <section className="card" aria-labelledby="episodes-title" data-testid="journeys">
            <h2 id="episodes-title">Treatment journeys</h2>
            {c.journeys.length === 0 && <p>No episodes yet.</p>}
            {may("edit_clients") && (
              <p>
                <Link to="/clients/$reference/record" params={{ reference }} search={{ section: "episode" }} data-testid="add-episode">
                  Add an episode
                </Link>
              </p>
            )}
            {c.journeys.map((j, n) => (
              <section key={j.episodes.map((e) => e.reference).join("-")} className="journey" aria-label={`Journey ${c.journeys.length - n}`}>
                <h3>
                  Journey {c.journeys.length - n}
                  {n === 0 ? " (latest)" : ""}
                </h3>
                {j.episodes.map((e) => (
                  <div key={e.reference} className="episode" data-testid={`episode-${e.reference}`}>
                    <h4>
                      Episode {e.reference}: from {e.start || "an unrecorded date"}
                      {e.end ? ` to ${e.end}` : ", open"}
                    </h4>
                    <ul>
                      {[...e.interventions, ...e.outcomes, ...e.reviews].map((x) => (
                        <Child
                          key={`${x.title}-${x.reference}`}
                          c={x}
                          at={{ client: reference, episode: e.reference, editable: may("edit_clients"), sections: c.sections }}
                        />
                      ))}
                    </ul>
                    {may("edit_clients") && (
                      <p className="inline-form">
                        <Link
                          to="/clients/$reference/record"
                          params={{ reference }}
                          search={{ section: "episode", id: e.reference }}
                          data-testid={`change-episode-${e.reference}`}
                        >
                          Change episode {e.reference}
                        </Link>
                        {UNDER_EPISODE.filter((u) => c.sections.includes(u.section)).map((u) => (
                          <Link
                            key={u.section}
                            to="/clients/$reference/record"
                            params={{ reference }}
                            search={{ section: u.section, episode: e.reference }}
                            data-testid={`add-${u.section}-${e.reference}`}
                          >
                            {u.label}
                            <span className="visually-hidden"> to episode {e.reference}</span>
                          </Link>
                        ))}
                      </p>
                    )}
                    {e.due.length > 0 && (
                      <ul className="due" data-testid={`due-${e.reference}`}>
                        {e.due.map((d) => (
                          <li key={d.schedule}>
                            <span className={d.overdue ? "tag error" : "tag due"}>{d.overdue ? "Overdue" : "Due"}</span> {d.label}
                            , by {d.by}
                          </li>
                        ))}
                      </ul>
                    )}
                    <EpisodeFindings findings={findings.filter((f) => f.episode_id === e.reference)} />
                    {may("delete_records") && (
                      <Link
                        to="/clients/$reference/delete"
                        params={{ reference }}
                        search={{ episode: e.reference }}
                        data-testid={`delete-episode-${e.reference}`}
                      >
                        Delete episode {e.reference}
                      </Link>
                    )}
                  </div>
                ))}
              </section>
            ))}
          </section>
          <section className="card" aria-labelledby="findings-title" data-testid="findings">
            <h2 id="findings-title">To complete or fix</h2>
            {findings.length === 0 ? (
              <p>Nothing: this client's records would load with no errors or warnings.</p>
            ) : (
              <ul className="findings">
                {findings.map((f, i) => (
                  <li key={`${f.rule}-${f.field}-${f.episode_id}-${f.child_id}-${i}`} className={`finding ${f.severity}`}>
                    <span className={`tag ${f.severity}`}>{SEVERITY[f.severity]}</span> {f.message} {f.fix}{" "}
                    <span className="hint">
                      {[f.episode_id && `episode ${f.episode_id}`, f.child_id && `record ${f.child_id}`, f.rule].filter(Boolean).join(" · ")}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {(may("view_record_history") || may("delete_records")) && (
            <section className="card" aria-labelledby="more-title">
              <h2 id="more-title">For data leads</h2>
              <ul>
                {may("view_record_history") && (
                  <li>
                    <Link to="/clients/$reference/history" params={{ reference }} data-testid="record-history">
                      See who changed this client's records
                    </Link>
                  </li>
                )}
                {may("delete_records") && (
                  <li>
                    <Link to="/clients/$reference/delete" params={{ reference }} search={{}} data-testid="delete-client">
                      Delete this client
                    </Link>
                  </li>
                )}
              </ul>
            </section>
          )}
        </>
      )}
    </section>
  );
}
