import { useEffect, useRef } from "react";
import type { AppError } from "../bindings/AppError";

export interface Problem {
  /** The id of the field the problem is about, or null for the page as a whole. */
  field: string | null;
  message: string;
}

/**
 * "There is a problem": a box at the top listing each problem as a link that moves focus to
 * its field (after the GOV.UK error summary). It takes focus when it appears.
 */
export function ErrorSummary({ problems }: { problems: readonly Problem[] }) {
  const box = useRef<HTMLDivElement>(null);
  // Focus moves here when the problems shown change, not on every keystroke that re-renders.
  const shown = problems.map((p) => `${p.field ?? ""}:${p.message}`).join("\n");
  useEffect(() => {
    if (shown) box.current?.focus();
  }, [shown]);
  if (problems.length === 0) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={box} aria-labelledby="error-summary-title" data-testid="error-summary">
      <h2 id="error-summary-title">There is a problem</h2>
      <ul>
        {problems.map((p) => (
          <li key={`${p.field}-${p.message}`}>
            {p.field ? (
              <a
                href={`#${p.field}`}
                onClick={(e) => {
                  e.preventDefault();
                  document.getElementById(p.field ?? "")?.focus();
                }}
              >
                {p.message}
              </a>
            ) : (
              p.message
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A refusal as a form shows it: the problems for the summary, and `at(id)`, the message to show
 * at field `id` when the refusal is about it (`fieldOf` says which field, by the error's code).
 */
export function refusal(error: AppError | null, fieldOf: (e: AppError) => string | null) {
  const field = error ? fieldOf(error) : null;
  const message = error ? sentence(error.message) : "";
  return {
    problems: error ? [{ field, message }] : ([] as Problem[]),
    at: (id: string) => (error && field === id ? message : undefined),
  };
}

/** A sentence from the core's message: capital first letter, full stop at the end. */
export function sentence(message: string): string {
  const s = message.trim();
  if (!s) return s;
  const first = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
