import { RecoveryKeyOnce } from "./RecoveryKeyOnce";
import { useEffect, useState, type FormEvent } from "react";
import type { DatasetChoice } from "../bindings/DatasetChoice";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { SetUpRequest } from "../bindings/SetUpRequest";
import { commands } from "../bindings/commands";
import { keys, queryClient, useCommand } from "../data";
import { Field } from "./Field";

type Step = 1 | 2 | 3 | 4;

/** The wizard step whose answers a refusal is about, by its code (never by its words). */
export function stepOf(code: ErrorCode): Step {
  switch (code) {
    case "agency_code_invalid":
    case "dataset_unknown":
      return 1;
    case "username_invalid":
    case "username_taken":
    case "password_too_short":
    case "passwords_differ":
      return 2;
    default:
      return 3;
  }
}

export function SetUpWizard({ datasets }: { datasets: readonly DatasetChoice[] }) {
  const [step, setStep] = useState<Step>(1);
  const [agencyCode, setAgencyCode] = useState("");
  const [agencyName, setAgencyName] = useState("");
  const [dataset, setDataset] = useState("AD");
  const [displayName, setDisplayName] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [password2, setPassword2] = useState("");
  const [usePassphrase, setUsePassphrase] = useState(false);
  const [passphrase, setPassphrase] = useState("");
  const [passphrase2, setPassphrase2] = useState("");
  // No query is refreshed on success: the recovery key must be shown before the log-in screen.
  const check = useCommand((a: { code: string; dataset: string }) => commands.checkAgencyCode(a.code, a.dataset));
  const checkUser = useCommand((a: { username: string; password: string; again: string }) =>
    commands.checkNewUser(a.username, a.password, a.again),
  );
  const setUp = useCommand((r: SetUpRequest) => commands.setUp(r));
  const error = (step === 1 ? check.error : step === 2 ? checkUser.error : null) ?? setUp.error;
  const busy = check.busy || checkUser.busy || setUp.busy;
  const recoveryKey = setUp.data?.recovery_key ?? "";

  const next = async (e: FormEvent) => {
    e.preventDefault();
    if (step === 1) {
      const ok = await check.run({ code: agencyCode, dataset });
      if (!ok) return;
      setAgencyCode(ok.code);
    }
    if (step === 2 && (await checkUser.run({ username, password, again: password2 })) === undefined) return;
    setUp.reset();
    setStep((s) => (s + 1) as Step);
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const done = await setUp.run({
      agency_code: agencyCode,
      agency_name: agencyName,
      dataset,
      username,
      display_name: displayName,
      password,
      password_again: password2,
      passphrase: usePassphrase ? passphrase : null,
      passphrase_again: usePassphrase ? passphrase2 : null,
    });
    if (done) setStep(4);
  };

  // Send the user back to the step the problem belongs to.
  const code = setUp.error?.code;
  useEffect(() => {
    if (code) setStep(stepOf(code));
  }, [code]);

  const finish = () => void queryClient.invalidateQueries({ queryKey: keys.status });

  return (
    <section className="card wizard" aria-labelledby="wizard-title" data-testid="setup-wizard">
      <p className="steps" aria-live="polite">
        Step {step} of 4
      </p>
      {error && (
        <p className="form-error" role="alert" data-testid="form-error">
          {error.message}
        </p>
      )}
      {step === 1 && (
        <form onSubmit={next}>
          <h2 id="wizard-title">Your service</h2>
          <Field
            id="agency-code"
            label="NDTMS agency code"
            hint="Five letters and digits, such as N0852. Your regional NDTMS team can tell you."
            value={agencyCode}
            onChange={(v) => setAgencyCode(v.toUpperCase())}
            maxLength={5}
            required
            autoFocus
          />
          <Field id="agency-name" label="Service name (optional)" value={agencyName} onChange={setAgencyName} />
          <fieldset>
            <legend>Which NDTMS dataset does your service report?</legend>
            {datasets.map((d) => (
              <label key={d.code} className="choice">
                <input
                  type="radio"
                  name="dataset"
                  value={d.code}
                  checked={dataset === d.code}
                  onChange={() => setDataset(d.code)}
                />
                {d.label.charAt(0).toUpperCase() + d.label.slice(1)} ({d.code})
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary" disabled={busy}>
            Next
          </button>
        </form>
      )}
      {step === 2 && (
        <form onSubmit={next}>
          <h2 id="wizard-title">The first administrator</h2>
          <Field id="display-name" label="Full name" value={displayName} onChange={setDisplayName} required autoFocus />
          <Field
            id="username"
            label="User name"
            hint="Letters, digits, dots or dashes; used to log in."
            value={username}
            onChange={setUsername}
            required
            autoComplete="username"
          />
          <Field
            id="password"
            label="Password"
            hint="At least 10 characters."
            type="password"
            value={password}
            onChange={setPassword}
            required
            autoComplete="new-password"
          />
          <Field
            id="password2"
            label="Password again"
            type="password"
            value={password2}
            onChange={setPassword2}
            required
            autoComplete="new-password"
          />
          <div className="actions">
            <button type="button" onClick={() => setStep(1)}>
              Back
            </button>
            <button type="submit" className="primary">
              Next
            </button>
          </div>
        </form>
      )}
      {step === 3 && (
        <form onSubmit={create}>
          <h2 id="wizard-title">Protecting the data</h2>
          <p>Client records are kept encrypted on this computer. Choose where the key is kept.</p>
          <fieldset>
            <legend>Key storage</legend>
            <label className="choice">
              <input type="radio" name="route" checked={!usePassphrase} onChange={() => setUsePassphrase(false)} />
              In this computer's keychain (recommended)
            </label>
            <label className="choice">
              <input
                type="radio"
                name="route"
                data-testid="route-passphrase"
                checked={usePassphrase}
                onChange={() => setUsePassphrase(true)}
              />
              With a passphrase typed at start-up (for computers without a keychain, such as in secure settings)
            </label>
          </fieldset>
          {usePassphrase && (
            <>
              <Field
                id="passphrase"
                label="Passphrase"
                hint="At least 12 characters; a few unrelated words is easiest to remember."
                type="password"
                value={passphrase}
                onChange={setPassphrase}
                required
              />
              <Field
                id="passphrase2"
                label="Passphrase again"
                type="password"
                value={passphrase2}
                onChange={setPassphrase2}
                required
              />
            </>
          )}
          <div className="actions">
            <button type="button" onClick={() => setStep(2)}>
              Back
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? "Creating…" : "Create the database"}
            </button>
          </div>
        </form>
      )}
      {step === 4 && (
        <RecoveryKeyOnce recoveryKey={recoveryKey} titleId="wizard-title" doneLabel="Continue to log in" onDone={finish} />
      )}
    </section>
  );
}
