import { useState, type ReactNode } from "react";
import { ErrorSummary, type Problem } from "./ErrorSummary";

/**
 * A card of settings saved together: the error summary, the heading, "Saved." once the core has
 * accepted them, the fields, and the save button. `onSave` resolves to whether they were saved.
 */
export function SettingsCard({
  id,
  title,
  problems,
  busy,
  saveLabel,
  onSave,
  children,
}: {
  /** Names the card: `${id}-title`, and the test ids `${id}`, `${id}-saved` and `save-${id}`. */
  id: string;
  title: string;
  problems: readonly Problem[];
  busy: boolean;
  saveLabel: string;
  onSave: () => Promise<boolean>;
  children: ReactNode;
}) {
  const [done, setDone] = useState(false);
  return (
    <form
      className="form card"
      aria-labelledby={`${id}-title`}
      data-testid={id}
      onSubmit={(e) => {
        e.preventDefault();
        setDone(false);
        void onSave().then(setDone);
      }}
    >
      <ErrorSummary problems={problems} />
      <h2 id={`${id}-title`}>{title}</h2>
      {done && (
        <p className="panel-confirm" role="status" data-testid={`${id}-saved`}>
          Saved.
        </p>
      )}
      {children}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} data-testid={`save-${id}`}>
          {saveLabel}
        </button>
      </div>
    </form>
  );
}
