// A new client: consent and the attributors asked first, then the rest of the client section,
// every field drawn from the catalogue for the agency's dataset and checked by the core as it
// is typed; possible duplicates shown before saving, with a link to the existing client.
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useCallback, useState, type FormEvent } from "react";
import type { AppError } from "../bindings/AppError";
import type { Finding } from "../bindings/Finding";
import type { FormField } from "../bindings/FormField";
import type { FormGroup } from "../bindings/FormGroup";
import { commands } from "../bindings/commands";
import { CatalogueField, inputId, todayText } from "../components/CatalogueField";
import { ErrorSummary, sentence, type Problem } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { asAppError, queryClient, useCommand } from "../data";
import { findingsAt, useFieldChecks, useSettled } from "../forms/checks";
import { clientKey } from "./ClientRecord";

const GROUPS: { group: FormGroup; title: string }[] = [
  { group: "consent", title: "Consent" },
  { group: "attributor", title: "Who the client is" },
  { group: "other", title: "More about the client" },
];

/** Which field a refusal of the save is about, by its code. */
function fieldOf(e: AppError, consentField: string | undefined): string | null {
  switch (e.code) {
    case "client_reference_invalid":
    case "client_reference_taken":
      return "client-reference";
    case "consent_missing":
      return consentField ? inputId(consentField) : null;
    case "date_invalid":
      return "consent-date";
    default:
      return null;
  }
}

export function NewClient() {
  const navigate = useNavigate();
  const form = useQuery({ queryKey: ["form", "client"], queryFn: () => commands.form("client") });
  const suggested = useQuery({
    queryKey: ["suggest_client_reference"],
    queryFn: () => commands.suggestClientReference(),
    staleTime: 0,
  });
  const [reference, setReference] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [consentDate, setConsentDate] = useState(todayText());
  const ref = reference ?? suggested.data ?? "";
  const consentField = form.data?.fields.find((f) => f.group === "consent")?.header;

  const { live, check: checkValue } = useFieldChecks();
  // The whole client, checked a moment after typing stops: duplicates, hidden fields, findings.
  const check = useSettled(
    () => (form.data ? commands.checkNewClient({ reference: ref, fields: values, consent_date: consentDate }) : null),
    [ref, values, consentDate, form.data],
    250,
  );

  const change = useCallback(
    (header: string, value: string) => {
      setValues((v) => ({ ...v, [header]: value }));
      checkValue(header, value);
    },
    [checkValue],
  );

  const save = useCommand((client: { reference: string; fields: Record<string, string>; consent_date: string }) =>
    commands.createClient(client),
  );
  const [tried, setTried] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    const hidden = new Set(check?.hidden ?? []);
    // A field whose condition no longer holds is not asked, so its value is not kept.
    const kept = Object.fromEntries(Object.entries(values).filter(([h]) => !hidden.has(h)));
    const page = await save.run({ reference: ref.trim(), fields: kept, consent_date: consentDate });
    if (page) {
      queryClient.setQueryData(clientKey(page.view.reference), page);
      void queryClient.invalidateQueries({ queryKey: ["caseload"] });
      void queryClient.invalidateQueries({ queryKey: ["suggest_client_reference"] });
      const n = page.findings.length;
      void navigate({
        to: "/clients/$reference",
        params: { reference: page.view.reference },
        search: {
          recorded: `Client ${page.view.reference} added${n ? `, with ${n} thing${n === 1 ? "" : "s"} to complete or fix (listed below)` : ""}.`,
        },
      });
    }
  };

  const problems: Problem[] = [];
  if (save.error) {
    problems.push({ field: fieldOf(save.error, consentField), message: sentence(save.error.message) });
  }
  // After a save was tried, the errors found at fields are listed too (they do not block it).
  const atField = (header: string): readonly Finding[] => findingsAt(header, live, tried ? (check?.findings ?? []) : []);
  const refError =
    save.error && fieldOf(save.error, consentField) === "client-reference"
      ? sentence(save.error.message)
      : check?.reference_problem
        ? sentence(check.reference_problem)
        : undefined;
  const hidden = new Set(check?.hidden ?? []);
  if (tried) {
    for (const f of check?.findings ?? []) {
      if (f.severity === "error" && !hidden.has(f.field)) problems.push({ field: inputId(f.field), message: `${f.message} ${f.fix}`.trim() });
    }
  }
  const loadError = asAppError(form.error ?? suggested.error);
  if (loadError) problems.push({ field: null, message: sentence(loadError.message) });
  const sameRef = check?.duplicates.filter((d) => d.reason === "same_reference") ?? [];
  const sameDetails = check?.duplicates.filter((d) => d.reason === "same_details") ?? [];

  const fieldsOf = (g: FormGroup): FormField[] => (form.data?.fields ?? []).filter((f) => f.group === g && !hidden.has(f.header));

  return (
    <section aria-labelledby="new-client-title" data-testid="new-client">
      <ErrorSummary problems={problems} />
      <p>
        <Link to="/caseload">Back to the caseload</Link>
      </p>
      <h1 id="new-client-title">New client</h1>
      {form.isPending && <p role="status">Opening the form…</p>}
      {form.data && (
        <form onSubmit={submit} noValidate className="card form" data-testid="new-client-form">
          <Field
            id="client-reference"
            label="Client reference"
            hint="A reference no other client has. One is suggested; you can use your own."
            value={ref}
            onChange={setReference}
            error={refError}
            autoComplete="off"
            spellCheck={false}
          />
          {GROUPS.map(({ group, title }) => {
            const fields = fieldsOf(group);
            if (fields.length === 0) return null;
            return (
              <section key={group} aria-labelledby={`group-${group}`} className="form-group">
                <h2 id={`group-${group}`}>{title}</h2>
                {group === "attributor" && (sameDetails.length > 0 || sameRef.length > 0) && (
                  <div className="notice" role="status" data-testid="possible-duplicates">
                    <h3>Is this someone already here?</h3>
                    <p>
                      {sameRef.length > 0
                        ? "Another client already has this reference. Choose another reference."
                        : "A client with the same details is already recorded. Open them to check before adding a new client."}
                    </p>
                    <ul>
                      {[...sameRef, ...sameDetails].map((d) => (
                        <li key={`${d.reason}-${d.reference}`}>
                          <Link to="/clients/$reference" params={{ reference: d.reference }} data-testid={`duplicate-${d.reference}`}>
                            Open client {d.reference}
                          </Link>{" "}
                          <span className="hint">{d.details.join(", ")}</span>
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
                {fields.map((f) => (
                  <CatalogueField
                    key={f.header}
                    field={f}
                    value={values[f.header] ?? ""}
                    onChange={change}
                    findings={atField(f.header)}
                  />
                ))}
                {group === "consent" && (
                  <Field
                    id="consent-date"
                    label="Date of the consent decision"
                    hint='As dd/mm/yyyy. Today is filled in; press "t" for today again.'
                    value={consentDate}
                    onChange={setConsentDate}
                    className="input-date"
                    error={save.error?.code === "date_invalid" ? sentence(save.error.message) : undefined}
                    inputMode="numeric"
                    onKeyDown={(e) => {
                      if (e.key === "t" || e.key === "T") {
                        e.preventDefault();
                        setConsentDate(todayText());
                      }
                    }}
                  />
                )}
              </section>
            );
          })}
          <div className="actions">
            <button type="submit" className="primary" disabled={save.busy} data-testid="save-client">
              Save client
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
