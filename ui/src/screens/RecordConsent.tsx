import { useNavigate } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import type { AppError } from "../bindings/AppError";
import type { ConsentScope } from "../bindings/ConsentScope";
import type { ConsentStatus } from "../bindings/ConsentStatus";
import { commands } from "../bindings/commands";
import { ErrorSummary, refusal } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { queryClient, useCommand } from "../data";
import { SCOPE, STATUS, clientKey } from "./ClientRecord";

/** What a refusal or withdrawal means, said before it is recorded. */
export function consequence(scope: ConsentScope, status: ConsentStatus): string | null {
  if (status === "given") return null;
  return scope === "ndtms"
    ? "From now on, only the agency code, the consent answer and the client reference will be sent to NDTMS for this client. Their treatment is still recorded here."
    : "The IPS items (National Insurance number and full postcode) will not be sent for this client.";
}

function today(): string {
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}`;
}

const fieldOf = (e: AppError) => (e.code === "date_invalid" ? "consent-date" : null);

/** Recording a consent decision: one thing on its own page, the consequence said first. */
export function RecordConsent({ reference, scope }: { reference: string; scope: ConsentScope }) {
  const navigate = useNavigate();
  const [status, setStatus] = useState<ConsentStatus | null>(null);
  const [date, setDate] = useState(today());
  const record = useCommand((a: { status: ConsentStatus; date: string }) =>
    commands.recordConsent(reference, scope, a.status, a.date),
  );
  const error = record.error;
  const { problems, at } = refusal(error, fieldOf);
  const [missing, setMissing] = useState(false);
  const said = status ? consequence(scope, status) : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!status) {
      setMissing(true);
      return;
    }
    const view = await record.run({ status, date });
    if (view) {
      queryClient.setQueryData(clientKey(reference), view);
      void queryClient.invalidateQueries({ queryKey: ["caseload"] });
      void navigate({
        to: "/clients/$reference",
        params: { reference },
        search: { recorded: `${SCOPE[scope]} consent: ${STATUS[status].toLowerCase()} on ${date.trim()}, recorded.` },
      });
    }
  };

  return (
    <section aria-labelledby="consent-page-title" data-testid="record-consent">
      <ErrorSummary
        problems={missing && !status ? [{ field: "consent-given", message: "Choose the client's decision." }] : problems}
      />
      <h1 id="consent-page-title">
        {SCOPE[scope]} consent for client {reference}
      </h1>
      <form onSubmit={submit} noValidate className="card">
        <fieldset>
          <legend>What has the client decided?</legend>
          {(["given", "refused", "withdrawn"] as const).map((s) => (
            <label key={s} className="choice">
              <input
                type="radio"
                name="consent-status"
                id={`consent-${s}`}
                value={s}
                checked={status === s}
                onChange={() => setStatus(s)}
              />
              {s === "given" ? "Consent given" : s === "refused" ? "Consent refused" : "Consent withdrawn"}
            </label>
          ))}
        </fieldset>
        <Field
          id="consent-date"
          label="Date of the decision"
          hint="As dd/mm/yyyy. Today is filled in."
          value={date}
          onChange={setDate}
          error={at("consent-date")}
          inputMode="numeric"
        />
        {said && (
          <div className="notice" role="note" data-testid="consent-warning">
            <strong>What this means: </strong>
            {said}
          </div>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={record.busy}>
            {status === "refused" ? "Record the refusal" : status === "withdrawn" ? "Record the withdrawal" : "Record the decision"}
          </button>
        </div>
      </form>
    </section>
  );
}
