// First run on a new machine, or after the database and its key file were lost: a backup and
// the recovery key current when it was made bring the data back, instead of setting up afresh.
import { useState } from "react";
import { commands } from "../bindings/commands";
import { keys, useCommand } from "../data";
import { ErrorSummary, refusal } from "./ErrorSummary";
import { Field } from "./Field";

export function RestoreNew() {
  const [open, setOpen] = useState(false);
  const [backup, setBackup] = useState("");
  const [recovery, setRecovery] = useState("");
  const restore = useCommand((_: null) => commands.restoreNew(backup, recovery), [keys.status]);
  const problem = refusal(restore.error, (e) =>
    e.code === "store_wrong_recovery_key" || e.code === "store_bad_recovery_key" ? "restore-recovery" : "restore-backup",
  );
  if (!open) {
    return (
      <section className="card narrow" aria-labelledby="restore-new-title">
        <h2 id="restore-new-title">Moving to this computer?</h2>
        <p>If NDTMS Desk was used on another computer, bring its data here from a backup instead of setting up afresh.</p>
        <button type="button" onClick={() => setOpen(true)} data-testid="restore-new-open">
          Restore from a backup
        </button>
      </section>
    );
  }
  return (
    <form
      className="card narrow form"
      aria-labelledby="restore-new-title"
      data-testid="restore-new"
      onSubmit={(e) => {
        e.preventDefault();
        void restore.run(null);
      }}
    >
      <ErrorSummary problems={problem.problems} />
      <h2 id="restore-new-title">Restore from a backup</h2>
      <Field
        id="restore-backup"
        label="Backup file"
        hint="The full path of the backup (ndtms-desk-backup-….db); its key file (….keys.json) must be beside it."
        value={backup}
        onChange={setBackup}
        autoComplete="off"
        error={problem.at("restore-backup")}
      />
      <Field
        id="restore-recovery"
        label="Recovery key"
        hint="The recovery key in use when the backup was made; dashes and case do not matter."
        value={recovery}
        onChange={setRecovery}
        autoComplete="off"
        spellCheck={false}
        error={problem.at("restore-recovery")}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={restore.busy} data-testid="restore-new-run">
          {restore.busy ? "Restoring…" : "Restore"}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Set up afresh instead
        </button>
      </div>
    </form>
  );
}
