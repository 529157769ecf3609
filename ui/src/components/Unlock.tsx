import { useState, type FormEvent } from "react";
import { api } from "../api";
import type { AppError } from "../bindings/AppError";
import { Field } from "./Field";

/** Opens the database with its passphrase, or with the recovery key when the key store is lost. */
export function Unlock({
  recoveryOnly,
  reason,
  onDone,
}: {
  recoveryOnly: boolean;
  reason?: string | undefined;
  onDone: () => void;
}) {
  const [useRecovery, setUseRecovery] = useState(recoveryOnly);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<AppError | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await api.unlock(useRecovery ? { recoveryKey: secret } : { passphrase: secret });
    if (r.ok) onDone();
    else setError(r.error);
  };

  return (
    <section className="card narrow" aria-labelledby="unlock-title" data-testid="unlock">
      <h2 id="unlock-title">Open the database</h2>
      {reason && <p className="notice">{reason}</p>}
      {error && (
        <p className="form-error" role="alert" data-testid="form-error">
          {error.message}
        </p>
      )}
      <form onSubmit={submit}>
        <Field
          id="unlock-secret"
          label={useRecovery ? "Recovery key" : "Passphrase"}
          hint={useRecovery ? "The 64-character key shown when the database was set up; dashes and case do not matter." : undefined}
          type={useRecovery ? "text" : "password"}
          value={secret}
          onChange={setSecret}
          required
          autoFocus
        />
        <div className="actions">
          {!recoveryOnly && (
            <button type="button" onClick={() => { setUseRecovery(!useRecovery); setSecret(""); setError(null); }}>
              {useRecovery ? "Use the passphrase" : "Use the recovery key instead"}
            </button>
          )}
          <button type="submit" className="primary">
            Open
          </button>
        </div>
      </form>
    </section>
  );
}
