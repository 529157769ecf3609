// A record of any section (episode, intervention, review, TOP or YPOR, client information
// review), new or saved: the catalogue's form for the agency's dataset, each value checked by
// the core as it is typed, what is typed kept as a draft a moment later (so a crash, a lock or
// the phone ringing loses nothing), and the whole record checked when it is saved.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { Finding } from "../bindings/Finding";
import type { RecordForm as Loaded } from "../bindings/RecordForm";
import type { RecordPlace } from "../bindings/RecordPlace";
import { commands } from "../bindings/commands";
import { CatalogueField, inputId } from "../components/CatalogueField";
import { ErrorSummary, sentence, type Problem } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { asAppError, queryClient, useCommand, useSession } from "../data";
import { findingsAt, useFieldChecks, useSettled } from "../forms/checks";
import { SECTION_NAME } from "../forms/sections";
import { clientKey } from "./ClientRecord";


/** How long after the last keystroke what is typed is kept as a draft. */
const DRAFT_AFTER_MS = 600;

/** The saved record's own findings: those about its fields, in its place, each said once. */
function findingsOf(all: readonly Finding[], loaded: Loaded, id: string): Finding[] {
  const headers = new Set(loaded.form.fields.map((f) => f.header));
  const section = loaded.place.section;
  const seen = new Set<string>();
  return all.filter((f) => {
    if (!headers.has(f.field)) return false;
    const here = section === "episode" ? f.episode_id === id : f.child_id === id && f.episode_id === (loaded.place.episode ?? "");
    const key = `${f.rule}|${f.field}|${f.message}`;
    if (!here || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function when(at: string): string {
  return new Date(at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A record's form. `field`: the field to put the cursor in (a finding followed from the
 * pre-transfer report); `finding`: that finding's words, shown above the form.
 */
export function RecordFormScreen({ place, field, finding }: { place: RecordPlace; field?: string | undefined; finding?: string | undefined }) {
  const loaded = useQuery({
    queryKey: ["record_form", place],
    queryFn: () => commands.recordForm(place),
    staleTime: 0,
    gcTime: 0,
    // A new record saved becomes the saved one (its address gains its id) without the form
    // going away in between.
    placeholderData: keepPreviousData,
  });
  const error = asAppError(loaded.error);
  if (error) return <ErrorSummary problems={[{ field: null, message: sentence(error.message) }]} />;
  if (!loaded.data) return <p role="status">Opening the form…</p>;
  return <Editor loaded={loaded.data} field={field} finding={finding} />;
}

function Editor({ loaded, field, finding }: { loaded: Loaded; field?: string | undefined; finding?: string | undefined }) {
  const navigate = useNavigate();
  const place = loaded.place;
  const name = SECTION_NAME[place.section];
  const [values, setValues] = useState<Record<string, string>>(() => ({ ...(loaded.draft?.fields ?? loaded.fields) }));
  const [id, setId] = useState(loaded.id);
  const [restored, setRestored] = useState(loaded.draft?.updated_at ?? null);
  const [discarding, setDiscarding] = useState(false);
  const [saved, setSaved] = useState<Finding[] | null>(null);
  const { live, check } = useFieldChecks();
  const hidden = new Set(useSettled(() => commands.hiddenFields(place, values), [values], 150) ?? []);
  const dirty = useRef(false);

  // Back where the cursor was when the draft was kept, else at the first field.
  useEffect(() => {
    const first = field ?? loaded.form.fields[0]?.header;
    const target = loaded.draft?.focus || (first ? inputId(first) : "");
    document.getElementById(target)?.focus();
  }, [loaded, field]);

  // What is typed is kept a moment after typing stops, with the field the cursor is in.
  useSettled(
    () => {
      if (!dirty.current) return null;
      const focus = document.activeElement?.id ?? "";
      return commands.keepDraft(place, values, focus);
    },
    [values],
    DRAFT_AFTER_MS,
  );

  const change = useCallback(
    (header: string, value: string) => {
      dirty.current = true;
      setValues((v) => ({ ...v, [header]: value }));
      check(header, value);
    },
    [check],
  );

  const session = useSession();
  const mayUnlock = session?.session.permissions.includes("edit_locked_period") ?? false;
  const [because, setBecause] = useState("");
  const locked = loaded.locked;
  const save = useCommand(() => commands.saveRecord(place, id, values, because));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const page = await save.run(undefined);
    if (!page) return;
    dirty.current = false;
    queryClient.setQueryData(clientKey(place.client), page);
    void queryClient.invalidateQueries({ queryKey: ["caseload"] });
    const mine = findingsOf(page.findings, loaded, id.trim());
    if (mine.some((f) => f.severity === "error")) {
      // Saved, so nothing is lost; the problems are shown here, at their fields. From now on
      // this form is the saved record's.
      setSaved(mine);
      setRestored(null);
      if (!place.id) {
        void navigate({
          to: "/clients/$reference/record",
          params: { reference: place.client },
          search: {
            section: place.section,
            episode: place.episode ?? undefined,
            intervention: place.intervention ?? undefined,
            id: id.trim(),
          },
          replace: true,
        });
      }
      return;
    }
    const rest = mine.length ? `, with ${mine.length} item${mine.length === 1 ? "" : "s"} to add or check` : "";
    void navigate({
      to: "/clients/$reference",
      params: { reference: place.client },
      search: { recorded: `${name.charAt(0).toUpperCase()}${name.slice(1)} ${id.trim()} saved${rest}.` },
    });
  };

  const discard = useCommand(() => commands.dropDraft(place));
  const doDiscard = async () => {
    if ((await discard.run(undefined)) === undefined) return;
    dirty.current = false;
    setValues({ ...loaded.fields });
    setRestored(null);
    setDiscarding(false);
  };

  const problems: Problem[] = [];
  if (save.error) {
    const at = save.error.code === "record_id_taken" ? "record-id" : save.error.code === "lock_reason_missing" ? "lock-reason" : null;
    problems.push({ field: at, message: sentence(save.error.message) });
  }
  // A finding of the saved record stands only while its field still holds the value it was
  // found in: once changed, the field's own live check speaks for it until the next save.
  const standing = (saved ?? []).filter((f) => !f.field || (values[f.field] ?? "").trim() === f.value.trim());
  for (const f of standing) {
    if (f.severity === "error") problems.push({ field: hidden.has(f.field) ? null : inputId(f.field), message: `${f.message} ${f.fix}`.trim() });
  }
  // A question whose condition stopped holding is hidden; an answer it had is said to go.
  const clearing = loaded.form.fields.filter((f) => hidden.has(f.header) && (values[f.header] ?? "").trim() !== "");
  const title =
    place.section === "client"
      ? "The client's details"
      : loaded.exists
        ? `${name.charAt(0).toUpperCase()}${name.slice(1)} ${loaded.id}`
        : `New ${name}`;
  return (
    <section aria-labelledby="record-title" data-testid="record-form">
      <ErrorSummary problems={problems} />
      <p>
        <Link to="/clients/$reference" params={{ reference: place.client }}>
          Back to client {place.client}
        </Link>
      </p>
      <h1 id="record-title">
        {title}
        <span className="hint">
          {" "}
          for client {place.client}
          {place.section !== "episode" && place.episode ? `, episode ${place.episode}` : ""}
          {place.intervention ? `, intervention ${place.intervention}` : ""}
        </span>
      </h1>
      {finding && (
        <p className="notice" data-testid="finding-to-fix">
          From the file's report: {finding}
        </p>
      )}
      {restored && (
        <div className="notice" role="status" data-testid="draft-restored">
          <p>
            You have unsaved changes from {when(restored)}. They are shown below: save them, or{" "}
            {discarding ? (
              <>
                <strong>throw them away?</strong>{" "}
                <button type="button" className="warning" onClick={() => void doDiscard()} data-testid="discard-confirm">
                  Yes, throw them away
                </button>{" "}
                <button type="button" onClick={() => setDiscarding(false)}>
                  Keep them
                </button>
              </>
            ) : (
              <button type="button" className="link-button" onClick={() => setDiscarding(true)} data-testid="discard-draft">
                throw them away
              </button>
            )}
            .
          </p>
        </div>
      )}
      {standing.some((f) => f.severity === "error") && (
        <div className="notice" role="status" data-testid="record-saved-with-problems">
          Saved. The problems listed above stop this record loading at NDTMS until they are fixed.
        </div>
      )}
      {clearing.length > 0 && (
        <div className="notice" role="status" data-testid="answers-cleared">
          These answers no longer apply and will not be kept when you save:{" "}
          {clearing.map((f) => f.label).join(", ")}.
        </div>
      )}
      {locked && (
        <div className="notice" role="note" data-testid="record-locked">
          <p>
            <strong>This record was sent to NDTMS.</strong> {sentence(locked)}
          </p>
          <p>
            {mayUnlock
              ? "You can change it as a data lead: say why below. The reason is kept in the audit trail."
              : "Ask your data lead if it needs to change."}
          </p>
        </div>
      )}
      <form onSubmit={submit} noValidate className="card form" data-testid="record-form-fields">
        {locked && mayUnlock && (
          <Field
            id="lock-reason"
            label="Why is this record being changed?"
            hint="For example: a date was typed wrongly. Kept in the audit trail with the change."
            value={because}
            onChange={setBecause}
            error={save.error?.code === "lock_reason_missing" ? sentence(save.error.message) : undefined}
          />
        )}
        <fieldset disabled={!!locked && !mayUnlock} className="plain">
        {!loaded.exists && place.section !== "client" && (
          <Field
            id="record-id"
            label={`${name.charAt(0).toUpperCase()}${name.slice(1)} ID`}
            hint="The next free ID is suggested; you can use your own."
            value={id}
            onChange={setId}
            autoComplete="off"
            error={save.error?.code === "record_id_taken" ? sentence(save.error.message) : undefined}
          />
        )}
        {place.section === "client" && (
          <p className="hint">
            Consent is recorded on its own page, from the client's record, so each decision keeps its date and who
            recorded it.
          </p>
        )}
        {loaded.form.fields
          // A client's consent answer is changed only by recording a decision.
          .filter((f) => !hidden.has(f.header) && !(place.section === "client" && f.group === "consent"))
          .map((f) => (
            <CatalogueField
              key={f.header}
              field={f}
              value={values[f.header] ?? ""}
              onChange={change}
              findings={findingsAt(f.header, live, standing)}
            />
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" className="primary" disabled={save.busy || (!!locked && !mayUnlock)} data-testid="save-record">
            Save {name}
          </button>
        </div>
      </form>
    </section>
  );
}
