// The audit trail's check (data leads and administrators), and the database key: re-key and a
// new recovery key (administrators), each new recovery key shown once.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { RecoveryKeyShown } from "../bindings/RecoveryKeyShown";
import { commands } from "../bindings/commands";
import { ErrorPanel } from "../components/ErrorPanel";
import { ErrorSummary, refusal } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { RecoveryKeyOnce } from "../components/RecoveryKeyOnce";
import { useCommand, useSession } from "../data";

export function Security() {
  const session = useSession();
  const admin = session?.session.permissions.includes("manage_keys") ?? false;
  const [shown, setShown] = useState<RecoveryKeyShown | null>(null);
  const [changed, setChanged] = useState<string | null>(null);
  if (shown) {
    return (
      <section className="card" aria-labelledby="new-recovery-title">
        <RecoveryKeyOnce
          recoveryKey={shown.recovery_key}
          titleId="new-recovery-title"
          doneLabel="Done"
          onDone={() => setShown(null)}
        />
      </section>
    );
  }
  return (
    <>
      <h1 id="security-title">Audit trail and keys</h1>
      {changed && (
        <p className="panel-confirm" role="status" data-testid="security-changed">
          {changed}
        </p>
      )}
      <AuditCheck />
      {admin && (
        <>
          <Rekey
            onDone={(k) => {
              setChanged("The database key was changed. The old recovery key no longer opens it.");
              setShown(k);
            }}
          />
          <NewRecoveryKey
            onDone={(k) => {
              setChanged("A new recovery key was made. The old one no longer opens this database.");
              setShown(k);
            }}
          />
        </>
      )}
    </>
  );
}

function AuditCheck() {
  const check = useCommand((_: null) => commands.verifyAudit());
  const r = check.data;
  return (
    <section className="card" aria-labelledby="audit-title" data-testid="audit-check">
      <h2 id="audit-title">Check the audit trail</h2>
      <p>
        Every change, view, backup and transfer is recorded in a sealed chain. The check reads every entry, and compares
        the end of the trail with the copy kept outside the database, so an entry changed, removed or rolled back is found.
      </p>
      {check.error && <ErrorPanel error={check.error} />}
      {r && r.problems.length === 0 && (
        <p className="panel-confirm" role="status" data-testid="audit-result">
          The audit trail is intact: {r.entries.toLocaleString("en-GB")} entries checked.
        </p>
      )}
      {r && r.problems.length > 0 && (
        <div className="error-summary" role="alert" data-testid="audit-result">
          <h3>
            {r.problems.length === 1 ? "1 problem" : `${r.problems.length} problems`} in {r.entries.toLocaleString("en-GB")}{" "}
            entries
          </h3>
          <ul>
            {r.problems.map((p) => (
              <li key={`${p.seq}-${p.problem}`}>{p.problem}</li>
            ))}
          </ul>
          <p>Keep the computer as it is and tell your information governance lead; a backup from before the problem can be restored.</p>
        </div>
      )}
      <div className="actions">
        <button type="button" className="primary" disabled={check.busy} onClick={() => void check.run(null)} data-testid="audit-run">
          {check.busy ? "Checking…" : "Check the audit trail"}
        </button>
      </div>
    </section>
  );
}

function Rekey({ onDone }: { onDone: (k: RecoveryKeyShown) => void }) {
  const settings = useQuery({ queryKey: ["agency_settings"], queryFn: () => commands.agencySettings(), staleTime: 0 });
  const passphrase = settings.data?.passphrase_route ?? false;
  const [p1, setP1] = useState("");
  const [p2, setP2] = useState("");
  const rekey = useCommand((_: null) => commands.rekey(passphrase ? p1 : null, passphrase ? p2 : null));
  const problem = refusal(rekey.error, (e) => (e.code === "passphrases_differ" ? "rekey-passphrase-again" : "rekey-passphrase"));
  return (
    <form
      className="form card"
      aria-labelledby="rekey-title"
      data-testid="rekey"
      onSubmit={(e) => {
        e.preventDefault();
        void rekey.run(null).then((k) => k && onDone(k));
      }}
    >
      <ErrorSummary problems={passphrase ? problem.problems : []} />
      <h2 id="rekey-title">Change the database key</h2>
      <p>
        The database is encrypted again with a new key, and a new recovery key is shown once. Do this if the key, the
        passphrase or the recovery key may have been seen by someone who should not have it. Backups made before still
        restore here.
      </p>
      {!passphrase && rekey.error && <ErrorPanel error={rekey.error} />}
      {passphrase && (
        <>
          <Field
            id="rekey-passphrase"
            label="New passphrase"
            hint="At least 12 characters; a few words is easiest to remember."
            type="password"
            value={p1}
            onChange={setP1}
            autoComplete="new-password"
            error={problem.at("rekey-passphrase")}
          />
          <Field
            id="rekey-passphrase-again"
            label="New passphrase again"
            type="password"
            value={p2}
            onChange={setP2}
            autoComplete="new-password"
            error={problem.at("rekey-passphrase-again")}
          />
        </>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={rekey.busy} data-testid="rekey-run">
          {rekey.busy ? "Changing the key…" : "Change the key"}
        </button>
      </div>
    </form>
  );
}

function NewRecoveryKey({ onDone }: { onDone: (k: RecoveryKeyShown) => void }) {
  const make = useCommand((_: null) => commands.newRecoveryKey());
  return (
    <section className="card" aria-labelledby="recovery-title" data-testid="new-recovery">
      <h2 id="recovery-title">Make a new recovery key</h2>
      <p>
        The old recovery key stops opening this database; the database key stays the same. Backups made before keep their
        own key files, which the old recovery key still opens: keep it with them, or take a new backup.
      </p>
      {make.error && <ErrorPanel error={make.error} />}
      <div className="actions">
        <button type="button" disabled={make.busy} onClick={() => void make.run(null).then((k) => k && onDone(k))} data-testid="recovery-new">
          Make a new recovery key
        </button>
      </div>
    </section>
  );
}
