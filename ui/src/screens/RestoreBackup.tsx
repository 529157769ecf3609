// Restoring a backup: the backup is checked first (key, integrity, schema) and what it holds is
// set beside what it replaces, so the person confirms knowing what will go.
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { commands } from "../bindings/commands";
import { ErrorPanel } from "../components/ErrorPanel";
import { asAppError, queryClient, useCommand } from "../data";
import { size } from "../format";

export function RestoreBackup({ path }: { path: string }) {
  const navigate = useNavigate();
  const check = useQuery({ queryKey: ["check_backup", path], queryFn: () => commands.checkBackup(path), staleTime: 0 });
  const restore = useCommand((_: null) => commands.restoreBackup(path));
  const error = asAppError(check.error);
  const c = check.data;
  return (
    <>
      <h1 id="restore-title">Restore a backup</h1>
      {check.isPending && <p role="status">Checking the backup…</p>}
      {error && <ErrorPanel error={error} />}
      {restore.error && <ErrorPanel error={restore.error} />}
      {c && (
        <section className="card" aria-labelledby="restore-check-title" data-testid="restore-check">
          <h2 id="restore-check-title">Check before restoring</h2>
          <dl className="facts">
            <dt>Backup made</dt>
            <dd>{c.backup.made}</dd>
            <dt>File</dt>
            <dd>
              <code>{c.backup.file_name}</code> ({size(c.backup.bytes)})
            </dd>
            <dt>Opens with</dt>
            <dd>{c.key}</dd>
            <dt>Integrity check</dt>
            <dd data-testid="restore-integrity">{c.integrity === "ok" ? "Passed" : c.integrity}</dd>
            <dt>Clients</dt>
            <dd data-testid="restore-clients">
              {c.clients} in the backup; {c.clients_now} now
            </dd>
            <dt>Audit trail entries</dt>
            <dd>
              {c.audit_entries} in the backup; {c.audit_entries_now} now
            </dd>
          </dl>
          <p className="warning-text">
            Everything entered since this backup was made will be replaced by what the backup holds. If unsure, go back and
            take a backup now first.
          </p>
          <div className="actions">
            <button
              type="button"
              className="warning"
              disabled={restore.busy}
              data-testid="restore-confirm"
              onClick={() =>
                void restore.run(null).then((r) => {
                  if (r === undefined) return;
                  // Every screen's data came from the database that was replaced.
                  queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== "app_info" && q.queryKey[0] !== "store_status" });
                  void navigate({ to: "/backups", search: { restored: c.backup.made } });
                })
              }
            >
              {restore.busy ? "Restoring…" : "Restore this backup"}
            </button>
            <Link to="/backups">Cancel</Link>
          </div>
        </section>
      )}
    </>
  );
}
