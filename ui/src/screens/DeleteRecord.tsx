// Deleting a client or an episode: one thing on its own page, naming everything that goes with
// it before the irreversible step (data leads and administrators; the core checks the role).
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import type { RecordKey } from "../bindings/RecordKey";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError, queryClient, useCommand } from "../data";
import { clientKey } from "./ClientRecord";

export function DeleteRecord({ reference, episode }: { reference: string; episode?: string | undefined }) {
  const navigate = useNavigate();
  const entity = episode ? "episode" : "client";
  const key: RecordKey = { client: reference, episode: episode ?? null, intervention: null, child: null };
  const preview = useQuery({
    queryKey: ["deletion", reference, episode ?? ""],
    queryFn: () => commands.deletion(entity, key),
    staleTime: 0,
  });
  const remove = useCommand(() => commands.deleteRecord(entity, key));
  const d = preview.data;
  const error = remove.error ?? asAppError(preview.error);
  const confirm = async () => {
    // undefined: refused (the summary says why); null: deleted.
    if ((await remove.run(undefined)) === undefined) return;
    void queryClient.invalidateQueries({ queryKey: ["caseload"] });
    if (episode) {
      await queryClient.invalidateQueries({ queryKey: clientKey(reference) });
      void navigate({ to: "/clients/$reference", params: { reference }, search: { recorded: `Episode ${episode} deleted.` } });
    } else {
      queryClient.removeQueries({ queryKey: clientKey(reference) });
      void navigate({ to: "/caseload", search: { done: `Client ${reference} deleted.` } });
    }
  };
  return (
    <section aria-labelledby="delete-title" data-testid="delete-record">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      <p>
        <Link to="/clients/$reference" params={{ reference }}>
          Back to client {reference}
        </Link>
      </p>
      <h1 id="delete-title">Delete {d ? d.what : entity}</h1>
      {preview.isPending && <p role="status">Working out what goes with it…</p>}
      {d && (
        <div className="card">
          {d.locked ? (
            <p className="notice" data-testid="delete-locked">
              {sentence(d.locked)}
            </p>
          ) : (
            <>
              <p>
                This deletes {d.what}
                {d.goes_with.length > 0 ? ", and with it:" : "."}
              </p>
              {d.goes_with.length > 0 && (
                <ul data-testid="goes-with">
                  {d.goes_with.map((g) => (
                    <li key={g}>{g}</li>
                  ))}
                </ul>
              )}
              <p className="notice">
                It cannot be undone. What was deleted stays in the audit trail, value by value.
              </p>
              <div className="actions">
                <button type="button" className="warning" onClick={() => void confirm()} disabled={remove.busy} data-testid="confirm-delete">
                  Delete {d.what}
                </button>
                <Link to="/clients/$reference" params={{ reference }}>
                  Cancel
                </Link>
              </div>
            </>
          )}
        </div>
      )}
    </section>
  );
}
