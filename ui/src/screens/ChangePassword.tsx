import { useNavigate } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import type { AppError } from "../bindings/AppError";
import { commands } from "../bindings/commands";
import { ErrorSummary, refusal } from "../components/ErrorSummary";
import { Field } from "../components/Field";
import type { StoreStatus } from "../bindings/StoreStatus";
import { keys, queryClient, useCommand, useSession } from "../data";

/** The field a refusal is about, by its code. */
export function changePasswordField(e: AppError): string | null {
  switch (e.code) {
    case "password_wrong":
      return "cp-current";
    case "password_too_short":
    case "password_unchanged":
      return "cp-new";
    case "passwords_differ":
      return "cp-again";
    default:
      return null;
  }
}

/** Choosing one's own password: required after a first password, before anything else. */
export function ChangePassword() {
  const session = useSession();
  const navigate = useNavigate();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const change = useCommand((a: { current: string; next: string; again: string }) =>
    commands.changePassword(a.current, a.next, a.again),
  );
  const error = change.error;
  const { problems, at } = refusal(error, changePasswordField);
  const first = session?.session.must_change_password ?? false;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const now = await change.run({ current, next, again });
    if (!now) return;
    // The session the core answered with is the one every screen gates on from here.
    queryClient.setQueryData<StoreStatus>(keys.status, (old) =>
      old?.state === "logged_in" ? { ...old, session: now } : old,
    );
    void navigate({ to: "/caseload" });
  };

  return (
    <main id="main" className="content">
      <section className="card narrow" aria-labelledby="cp-title" data-testid="change-password">
        <ErrorSummary problems={problems} />
        <h1 id="cp-title">Choose your password</h1>
        {first && (
          <p>
            You logged in with a first password from your administrator. Choose a password of your own to carry on; only
            you will know it.
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <Field
            id="cp-current"
            label={first ? "The password you were given" : "Your current password"}
            type="password"
            value={current}
            onChange={setCurrent}
            error={at("cp-current")}
            autoComplete="current-password"
            autoFocus
          />
          <Field
            id="cp-new"
            label="New password"
            hint="At least 10 characters. A few unrelated words is easy to remember and hard to guess."
            type="password"
            value={next}
            onChange={setNext}
            error={at("cp-new")}
            autoComplete="new-password"
          />
          <Field
            id="cp-again"
            label="New password again"
            type="password"
            value={again}
            onChange={setAgain}
            error={at("cp-again")}
            autoComplete="new-password"
          />
          <button type="submit" className="primary" disabled={change.busy}>
            {change.busy ? "Saving…" : "Save my password"}
          </button>
        </form>
      </section>
    </main>
  );
}
