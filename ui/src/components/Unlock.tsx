import { useState, type FormEvent } from "react";
import type { AppError } from "../bindings/AppError";
import type { ErrorCode } from "../bindings/ErrorCode";
import { commands } from "../bindings/commands";
import { keys, useCommand } from "../data";
import { sentence } from "./ErrorSummary";
import { Field } from "./Field";

/**
 * What a keyworker is told when the secret is refused, by error code. The core's message names
 * the database folder, which helps at the command line but means nothing on this screen.
 */
export const UNLOCK_MESSAGES: Partial<Record<ErrorCode, string>> = {
  store_wrong_passphrase: "That passphrase is not right. Check it (capital letters count) and try again.",
  store_wrong_recovery_key:
    "That recovery key is not right for this database. Check each group of letters and try again.",
  store_bad_recovery_key:
    "That is not a recovery key. It is the 64-character key shown when the database was set up.",
};

/** The sentence to show for a failed unlock: the screen's own wording where it has one. */
export function unlockMessage(error: AppError): string {
  return UNLOCK_MESSAGES[error.code] ?? error.message;
}

/** Opens the database with its passphrase, or with the recovery key when the key store is lost. */
export function Unlock({
  recoveryOnly,
  reason,
}: {
  recoveryOnly: boolean;
  reason?: string | undefined;
}) {
  const [useRecovery, setUseRecovery] = useState(recoveryOnly);
  const [secret, setSecret] = useState("");
  const unlock = useCommand(
    (a: { secret: string; recovery: boolean }) =>
      a.recovery ? commands.unlock(null, a.secret) : commands.unlock(a.secret, null),
    [keys.status],
  );
  const error = unlock.error;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await unlock.run({ secret, recovery: useRecovery });
  };

  return (
    <section className="card narrow" aria-labelledby="unlock-title" data-testid="unlock">
      <h2 id="unlock-title">Open the database</h2>
      {reason && <p className="notice">{sentence(reason)} The recovery key opens it and puts the right key back.</p>}
      {error && (
        <p className="form-error" role="alert" data-testid="form-error">
          {unlockMessage(error)}
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
            <button type="button" onClick={() => {
                setUseRecovery(!useRecovery);
                setSecret("");
                unlock.reset();
              }}>
              {useRecovery ? "Use the passphrase" : "Use the recovery key instead"}
            </button>
          )}
          <button type="submit" className="primary" disabled={unlock.busy}>
            {unlock.busy ? "Opening…" : "Open"}
          </button>
        </div>
      </form>
    </section>
  );
}
