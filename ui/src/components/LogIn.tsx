import { useState, type FormEvent } from "react";
import type { Agency } from "../bindings/Agency";
import { commands } from "../bindings/commands";
import { keys, useCommand } from "../data";
import { Field } from "./Field";

export function LogIn({ agency }: { agency: Agency }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const logIn = useCommand((a: { username: string; password: string }) => commands.logIn(a.username, a.password), [
    keys.status,
  ]);
  const error = logIn.error;
  const busy = logIn.busy;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if ((await logIn.run({ username, password })) === undefined) setPassword("");
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
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </section>
  );
}
