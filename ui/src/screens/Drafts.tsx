// The user's drafts: every form with unsaved changes, newest first, each a link back to it.
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError } from "../data";

export function Drafts() {
  const list = useQuery({ queryKey: ["drafts"], queryFn: () => commands.drafts(), staleTime: 0 });
  const error = asAppError(list.error);
  return (
    <section aria-labelledby="drafts-title" data-testid="drafts">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      <h1 id="drafts-title">Drafts</h1>
      <p className="hint">What you typed and have not saved yet, kept as you typed it. Open one to carry on.</p>
      {list.data && list.data.length === 0 && <p data-testid="drafts-empty">You have no unsaved changes.</p>}
      {list.data && list.data.length > 0 && (
        <table className="users">
          <caption className="visually-hidden">Your drafts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Last typed in</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={`${d.what}-${d.updated_at}`} data-testid="draft-row">
                <td>
                  {d.place ? (
                    <Link
                      to="/clients/$reference/record"
                      params={{ reference: d.place.client }}
                      search={{
                        section: d.place.section,
                        episode: d.place.episode ?? undefined,
                        intervention: d.place.intervention ?? undefined,
                        id: d.place.id ?? undefined,
                      }}
                    >
                      {d.what}
                    </Link>
                  ) : (
                    d.what
                  )}
                </td>
                <td>{new Date(d.updated_at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
