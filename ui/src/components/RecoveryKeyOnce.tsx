import { useState } from "react";

/**
 * A recovery key shown once: what it is for, the key in large letters, print, and a button that
 * waits until the person says they have stored it.
 */
export function RecoveryKeyOnce({
  recoveryKey,
  titleId,
  doneLabel,
  onDone,
}: {
  recoveryKey: string;
  titleId: string;
  doneLabel: string;
  onDone: () => void;
}) {
  const [stored, setStored] = useState(false);
  return (
    <div data-testid="recovery-key-once">
      <h2 id={titleId}>Your recovery key</h2>
      <p>
        If the key store is lost or the passphrase forgotten, this recovery key is the only way to open the data. Print
        this page or write the key down, and lock it away. It is shown only once.
      </p>
      <p className="recovery-key" data-testid="recovery-key">
        <span>{recoveryKey}</span>
      </p>
      <label className="choice">
        <input type="checkbox" checked={stored} onChange={(e) => setStored(e.target.checked)} data-testid="recovery-stored" />I
        have stored the recovery key safely
      </label>
      <div className="actions">
        <button type="button" onClick={() => window.print()}>
          Print
        </button>
        <button type="button" className="primary" disabled={!stored} onClick={onDone} data-testid="recovery-done">
          {doneLabel}
        </button>
      </div>
    </div>
  );
}
