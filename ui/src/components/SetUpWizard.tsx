import { useState, type FormEvent } from "react";
import { api } from "../api";
import type { AppError } from "../bindings/AppError";
import { Field } from "./Field";

const datasets = [
  { code: "AD", label: "Community adult (AD)" },
  { code: "YP", label: "Community young people (YP)" },
  { code: "SA", label: "Secure setting adult (SA)" },
  { code: "SY", label: "Secure setting young people (SY)" },
];

type Step = 1 | 2 | 3 | 4;

export function SetUpWizard({ onDone }: { onDone: () => void }) {
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
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const [recoveryKey, setRecoveryKey] = useState("");
  const [stored, setStored] = useState(false);

  const next = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (step === 2 && password !== password2) {
      setError({ code: "mismatch", message: "The two passwords are not the same." });
      return;
    }
    setStep((s) => (s + 1) as Step);
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (usePassphrase && passphrase !== passphrase2) {
      setError({ code: "mismatch", message: "The two passphrases are not the same." });
      return;
    }
    setBusy(true);
    const r = await api.setUp({
      agency_code: agencyCode,
      agency_name: agencyName,
      dataset,
      username,
      display_name: displayName,
      password,
      passphrase: usePassphrase ? passphrase : null,
    });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      // Send the user back to the step the problem belongs to.
      if (r.error.message.includes("agency code")) setStep(1);
      else if (r.error.message.includes("password") || r.error.message.includes("user name")) setStep(2);
      return;
    }
    setRecoveryKey(r.value.recovery_key);
    setStep(4);
  };

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
                {d.label}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary">
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
        <div>
          <h2 id="wizard-title">Your recovery key</h2>
          <p>
            If the key store is lost or the passphrase forgotten, this recovery key is the only way to open the
            data. Print this page or write the key down, and lock it away. It is shown only once.
          </p>
          <p className="recovery-key" data-testid="recovery-key">
            <span>{recoveryKey}</span>
          </p>
          <label className="choice">
            <input type="checkbox" checked={stored} onChange={(e) => setStored(e.target.checked)} />I have stored the
            recovery key safely
          </label>
          <div className="actions">
            <button type="button" onClick={() => window.print()}>
              Print
            </button>
            <button type="button" className="primary" disabled={!stored} onClick={onDone}>
              Continue to log in
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
