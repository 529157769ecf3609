import type { InputHTMLAttributes } from "react";

type Props = {
  id: string;
  label: string;
  hint?: string | undefined;
  value: string;
  onChange: (v: string) => void;
  /** The problem with this field, shown above it (the error summary links here). */
  error?: string | undefined;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "id">;

/** A labelled text input with an optional hint, tied together for screen readers. */
export function Field({ id, label, hint, value, onChange, error, ...rest }: Props) {
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className={error ? "field field-error" : "field"}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="error-message" id={`${id}-error`}>
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      )}
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={described || undefined}
        aria-invalid={error ? true : undefined}
        {...rest}
      />
    </div>
  );
}
