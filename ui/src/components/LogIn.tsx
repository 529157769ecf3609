import { useState, type FormEvent } from "react";
import { api } from "../api";
import type { Agency } from "../bindings/Agency";
import type { AppError } from "../bindings/AppError";
import { Field } from "./Field";

export function LogIn({ agency, onDone }: { agency: Agency; onDone: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await api.logIn(username, password);
    setBusy(false);
    if (r.ok) onDone();
    else {
      setError(r.error);
      setPassword("");
    }
  };

  return (
    <section className="card narrow" aria-labelledby="login-title" data-testid="login">
      <h2 id="login-title">Log in</h2>
      <p>
        Agency {agency.code} · {agency.dataset} dataset
      </p>
      {error && (
        <p className="form-error" role="alert" data-testid="form-error">
          {error.message}
        </p>
      )}
      <form onSubmit={submit}>
        <Field id="login-user" label="User name" value={username} onChange={setUsername} required autoFocus autoComplete="username" />
        <Field
          id="login-password"
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          required
          autoComplete="current-password"
        />
        <button type="submit" className="primary" disabled={busy}>
          Log in
        </button>
      </form>
    </section>
  );
}
