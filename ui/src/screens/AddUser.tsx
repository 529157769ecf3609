import { Link, useNavigate } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import type { AppError } from "../bindings/AppError";
import type { Role } from "../bindings/Role";
import { commands } from "../bindings/commands";
import { ErrorSummary, refusal } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { queryClient, useCommand } from "../data";
import { ROLES, usersKey } from "./Users";

/** The field a refusal is about, by its code. */
export function addUserField(e: AppError): string | null {
  switch (e.code) {
    case "username_invalid":
    case "username_taken":
      return "user-username";
    case "display_name_missing":
      return "user-name";
    case "password_too_short":
      return "user-password";
    case "role_unknown":
      return "user-role-keyworker";
    default:
      return null;
  }
}

/** An administrator adds a user: one thing on its own page, with a first password to hand over. */
export function AddUser() {
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("keyworker");
  const [password, setPassword] = useState("");
  const add = useCommand((r: { username: string; display_name: string; role: Role; password: string }) =>
    commands.addUser(r),
  );
  const error = add.error;
  const { problems, at } = refusal(error, addUserField);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const users = await add.run({ username, display_name: name, role, password });
    if (users) {
      queryClient.setQueryData(usersKey, users);
      void navigate({ to: "/users", search: { added: username.trim() } });
    }
  };

  return (
    <section aria-labelledby="add-user-title" data-testid="add-user">
      <ErrorSummary problems={problems} />
      <h1 id="add-user-title">Add a user</h1>
      <form onSubmit={submit} noValidate className="card">
        <Field id="user-name" label="Full name" value={name} onChange={setName} error={at("user-name")} autoFocus />
        <Field
          id="user-username"
          label="User name"
          hint="2 to 40 letters, digits, dots, dashes or underscores; used to log in."
          value={username}
          onChange={setUsername}
          error={at("user-username")}
          autoComplete="off"
          spellCheck={false}
        />
        <fieldset>
          <legend>Role</legend>
          {ROLES.map((r) => (
            <label key={r.role} className="choice">
              <input
                type="radio"
                name="role"
                id={`user-role-${r.role}`}
                value={r.role}
                checked={role === r.role}
                onChange={() => setRole(r.role)}
              />
              {r.label} <span className="hint">{r.does}</span>
            </label>
          ))}
        </fieldset>
        <Field
          id="user-password"
          label="First password"
          hint="At least 10 characters. Give it to the user in person; they choose their own when they first log in."
          type="password"
          value={password}
          onChange={setPassword}
          error={at("user-password")}
          autoComplete="new-password"
        />
        <div className="actions">
          <Link to="/users">Cancel</Link>
          <button type="submit" className="primary" disabled={add.busy}>
            {add.busy ? "Adding…" : "Add the user"}
          </button>
        </div>
      </form>
    </section>
  );
}
