import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { Role } from "../bindings/Role";
import type { UserSummary } from "../bindings/UserSummary";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import { asAppError, queryClient, useCommand } from "../data";

export const usersKey = ["users"] as const;

/** The roles an administrator can give, with what each may do (the core enforces it). */
export const ROLES: readonly { role: Role; label: string; does: string }[] = [
  { role: "keyworker", label: "Keyworker", does: "records clients and their treatment" },
  { role: "data_lead", label: "Data lead", does: "also checks and sends the monthly extract" },
  { role: "administrator", label: "Administrator", does: "also manages users, backups and settings" },
];

const roleLabel = (r: Role) => ROLES.find((x) => x.role === r)?.label ?? r;

type Change =
  | { kind: "active"; username: string; active: boolean }
  | { kind: "role"; username: string; role: Role }
  | { kind: "reset"; username: string; password: string };

function said(c: Change, name: string): string {
  switch (c.kind) {
    case "active":
      return c.active ? `${name} can log in again.` : `${name} can no longer log in. Their records stay.`;
    case "role":
      return `${name} is now a ${roleLabel(c.role).toLowerCase()}.`;
    case "reset":
      return `${name} has a new first password. They choose their own when they next log in.`;
  }
}

function UserRow({ user, run, busy }: { user: UserSummary; run: (c: Change) => void; busy: boolean }) {
  const [role, setRole] = useState<Role>(user.role);
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState("");
  const id = `user-${user.username}`;
  return (
    <tr data-testid={id}>
      <td>{user.display_name}</td>
      <td>{user.username}</td>
      <td>{roleLabel(user.role)}</td>
      <td>
        <span className={user.active ? "tag on" : "tag off"}>{user.active ? "Active" : "Disabled"}</span>{" "}
        {user.must_change_password && <span className="tag due">First password</span>}
      </td>
      <td>
        <div className="actions">
          <button
            type="button"
            disabled={busy}
            data-testid={`${id}-active`}
            onClick={() => run({ kind: "active", username: user.username, active: !user.active })}
          >
            {user.active ? "Disable" : "Enable"}
            <span className="visually-hidden"> {user.display_name}</span>
          </button>
          <label className="visually-hidden" htmlFor={`${id}-role`}>
            Role of {user.display_name}
          </label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={busy || role === user.role}
            data-testid={`${id}-set-role`}
            onClick={() => run({ kind: "role", username: user.username, role })}
          >
            Change role
          </button>
          <button type="button" disabled={busy} onClick={() => setResetting(!resetting)} aria-expanded={resetting}>
            Reset password
          </button>
        </div>
        {resetting && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              run({ kind: "reset", username: user.username, password });
            }}
          >
            <Field
              id={`${id}-password`}
              label={`New first password for ${user.display_name}`}
              type="password"
              value={password}
              onChange={setPassword}
              autoComplete="new-password"
            />
            <button type="submit" className="primary" disabled={busy}>
              Set first password
            </button>
          </form>
        )}
      </td>
    </tr>
  );
}

/** Administrators' list of users, with what can be done to each. */
export function Users({ added }: { added?: string | undefined }) {
  const list = useQuery({ queryKey: usersKey, queryFn: () => commands.users() });
  const [done, setDone] = useState<string | null>(null);
  const change = useCommand((c: Change) => {
    switch (c.kind) {
      case "active":
        return commands.setUserActive(c.username, c.active);
      case "role":
        return commands.setRole(c.username, c.role);
      case "reset":
        return commands.resetPassword(c.username, c.password);
    }
  });
  const run = async (c: Change) => {
    setDone(null);
    const users = await change.run(c);
    if (users) {
      queryClient.setQueryData(usersKey, users);
      const name = users.find((u) => u.username === c.username)?.display_name ?? c.username;
      setDone(said(c, name));
    }
  };
  const error = change.error ?? asAppError(list.error);
  const addedName = added && list.data?.find((u) => u.username === added)?.display_name;
  const confirm = done ?? (addedName ? `${addedName} is added. Give them their first password in person.` : null);
  return (
    <section aria-labelledby="users-title" data-testid="users">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      {confirm && (
        <div className="panel-confirm" role="status" data-testid="users-confirm">
          {confirm}
        </div>
      )}
      <h1 id="users-title">Users</h1>
      <p>
        <Link to="/users/new" className="button" data-testid="add-user-link">
          Add a user
        </Link>
      </p>
      {list.isPending && <p role="status">Loading…</p>}
      {list.data && (
        <table className="users">
          <caption className="visually-hidden">Users of this database</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">User name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((u) => (
              <UserRow key={u.username} user={u} run={(c) => void run(c)} busy={change.busy} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
