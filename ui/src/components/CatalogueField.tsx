// One field of a form, drawn from the catalogue's description of it (type, codes, range,
// requirement, help). Nothing here names a CDS-R field: every form is the catalogue's.
import { memo, useId, useState, type KeyboardEvent } from "react";
import type { Choice } from "../bindings/Choice";
import type { Finding } from "../bindings/Finding";
import type { FormField } from "../bindings/FormField";

/** Code lists this long or shorter are radios; longer ones a type-ahead box. */
export const RADIO_LIMIT = 6;

/** The id of the input a field's messages and the error summary point at. */
export const inputId = (header: string) => `field-${header}`;

export function todayText(): string {
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}`;
}

function hintOf(f: FormField): string {
  const parts = [f.help];
  if (f.type === "date") parts.push('As dd/mm/yyyy; press "t" for today.');
  if (f.type === "integer" && f.min !== null && f.max !== null) parts.push(`A whole number from ${f.min} to ${f.max}.`);
  // A code field offers "not answered" among its choices; elsewhere it is typed.
  if (f.not_answered && f.type !== "code") parts.push(`Or ${f.not_answered} if the client did not answer.`);
  return parts.filter(Boolean).join(" ");
}

function Label({ f, htmlFor }: { f: FormField; htmlFor?: string }) {
  const text = (
    <>
      {f.label}
      {f.required ? <span className="required"> (required)</span> : null}
    </>
  );
  return htmlFor ? <label htmlFor={htmlFor}>{text}</label> : <legend>{text}</legend>;
}

/** The finding shown at the field: errors first, then warnings (which look different). */
function Message({ id, finding }: { id: string; finding: Finding | undefined }) {
  const isError = finding?.severity === "error";
  // Always in the page, so a screen reader announces a message when it appears (a live region
  // added with its text is not announced).
  return (
    <div aria-live="polite" className="message-region">
      {finding && (
        <p className={isError ? "error-message" : "warning-message"} id={id} data-testid={`message-${finding.field}`}>
          <span className="visually-hidden">{isError ? "Error: " : "Warning: "}</span>
          {finding.message} {finding.fix}
        </p>
      )}
    </div>
  );
}

interface Props {
  field: FormField;
  value: string;
  /** Called with the field's header and its new value (stable, so a keystroke in one field
   * re-renders that field alone). */
  onChange: (header: string, value: string) => void;
  /** The findings about this field, from the core. */
  findings: readonly Finding[];
}

export const CatalogueField = memo(function CatalogueField({ field: f, value, onChange: changed, findings }: Props) {
  const onChange = (v: string) => changed(f.header, v);
  const id = inputId(f.header);
  const hint = hintOf(f);
  const shown = findings.find((x) => x.severity === "error") ?? findings[0];
  const wrap = shown ? (shown.severity === "error" ? "field field-error" : "field field-warning") : "field";
  const described = [hint ? `${id}-hint` : "", shown ? `${id}-message` : ""].filter(Boolean).join(" ") || undefined;
  const hintLine = hint ? (
    <p className="hint" id={`${id}-hint`}>
      {hint}
    </p>
  ) : null;

  const choices: Choice[] =
    f.type === "flag"
      ? [
          { code: "Y", label: "Yes", group: null },
          { code: "N", label: "No", group: null },
        ]
      : f.choices;
  if ((f.type === "code" || f.type === "flag") && choices.length <= RADIO_LIMIT) {
    return (
      <div className={wrap} data-testid={`form-field-${f.header}`}>
        <fieldset aria-describedby={described}>
          <Label f={f} />
          {hintLine}
          <Message id={`${id}-message`} finding={shown} />
          {choices.map((c, i) => (
            <label key={c.code} className="choice">
              <input
                type="radio"
                name={f.header}
                id={i === 0 ? id : `${id}-${c.code}`}
                value={c.code}
                checked={value === c.code}
                onChange={() => onChange(c.code)}
              />
              {c.label}
            </label>
          ))}
          {value && !f.required && (
            <button type="button" className="link-button" onClick={() => onChange("")}>
              Clear the answer<span className="visually-hidden"> to {f.label}</span>
            </button>
          )}
        </fieldset>
      </div>
    );
  }
  if (f.type === "code") {
    return (
      <div className={wrap} data-testid={`form-field-${f.header}`}>
        <Label f={f} htmlFor={id} />
        {hintLine}
        <Message id={`${id}-message`} finding={shown} />
        <TypeAhead id={id} choices={choices} value={value} onChange={onChange} described={described} />
      </div>
    );
  }
  return (
    <div className={wrap} data-testid={`form-field-${f.header}`}>
      <Label f={f} htmlFor={id} />
      {hintLine}
      <Message id={`${id}-message`} finding={shown} />
      <input
        id={id}
        value={value}
        aria-describedby={described}
        aria-invalid={shown?.severity === "error" ? true : undefined}
        inputMode={f.type === "integer" || f.type === "date" ? "numeric" : undefined}
        maxLength={f.type === "text" && f.max_length !== null ? f.max_length : undefined}
        className={
          f.type === "date"
            ? "input-date"
            : f.type === "integer" || (f.max_length !== null && f.max_length <= 5)
              ? "input-number"
              : undefined
        }
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          // "Today" one keystroke away in a date field.
          if (f.type === "date" && (e.key === "t" || e.key === "T") && !e.ctrlKey && !e.metaKey && !e.altKey) {
            e.preventDefault();
            onChange(todayText());
          }
        }}
      />
    </div>
  );
});

/**
 * A long code list: type part of a code or a label, choose with the arrows and Enter (or a
 * click). The label is shown, the code stored.
 */
function TypeAhead({
  id,
  choices,
  value,
  onChange,
  described,
}: {
  id: string;
  choices: readonly Choice[];
  value: string;
  onChange: (v: string) => void;
  described: string | undefined;
}) {
  const listId = useId();
  const chosen = choices.find((c) => c.code === value);
  const [text, setText] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const typing = text !== null;
  const q = (text ?? "").trim().toLowerCase();
  const matches = typing
    ? choices.filter(
        (c) =>
          !q ||
          c.code.toLowerCase() === q ||
          c.label.toLowerCase().includes(q) ||
          c.code.toLowerCase().startsWith(q) ||
          (c.group ?? "").toLowerCase().includes(q),
      )
    : [];
  const pick = (c: Choice) => {
    onChange(c.code);
    setText(null);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!typing) setText("");
      setActive((a) => Math.min(a + 1, Math.max(matches.length - 1, 0)));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === "Enter" && typing) {
      const c = matches[active];
      if (c) {
        e.preventDefault();
        pick(c);
      }
    } else if (e.key === "Escape" && typing) {
      e.preventDefault();
      setText(null);
    }
  };
  const shownText = typing ? text : chosen ? `${chosen.label} (${chosen.code})` : value;
  return (
    <div className="typeahead">
      <input
        id={id}
        role="combobox"
        aria-expanded={typing && matches.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={typing && matches[active] ? `${listId}-${active}` : undefined}
        aria-describedby={described}
        autoComplete="off"
        value={shownText}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          if (e.target.value === "") onChange("");
        }}
        onKeyDown={onKey}
        onBlur={() => {
          // A typed code that is exactly one of the list's is taken; anything else is undone.
          const exact = choices.find((c) => c.code.toLowerCase() === q);
          if (typing && exact) onChange(exact.code);
          setText(null);
        }}
      />
      {typing && matches.length > 0 && (
        <ul className="typeahead-list" role="listbox" id={listId}>
          {matches.map((c, i) => (
            <li
              key={c.code}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(c);
              }}
            >
              {c.label}{" "}
              <span className="hint">
                ({c.code}
                {c.group ? ` · ${c.group}` : ""})
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
