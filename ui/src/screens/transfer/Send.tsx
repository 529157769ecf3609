// "Transfer data": sending the file. The portal log-in (user name, password, YubiKey code) is
// typed here each time, used once by the core and never kept.
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { commands } from "../../bindings/commands";
import { ErrorSummary, refusal } from "../../components/ErrorSummary";
import { Field } from "../../components/Field";
import type { JobStatus } from "../../bindings/JobStatus";
import { asAppError, queryClient, useCommand } from "../../data";
import { count, jobKey, progressOf, reportKey, useJob } from "./job";

export function Send() {
  const navigate = useNavigate();
  const settings = useQuery({ queryKey: ["month_settings"], queryFn: () => commands.monthSettings(), staleTime: 0 });
  const report = useQuery({ queryKey: reportKey, queryFn: () => commands.extractReport(), staleTime: 0 });
  const job = useJob();
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOtp] = useState("");
  const [acceptErrors, setAcceptErrors] = useState(false);
  const send = useCommand(async (_: null) => {
    await commands.sendExtract(user, password, otp, acceptErrors);
    // Seen as sending at once, so an answer faster than the next look is still seen as new.
    const sending: JobStatus = { state: "sending", progress: { step: "logging_in" } };
    queryClient.setQueryData(jobKey, sending);
    return null;
  });
  const s = job.data;
  useEffect(() => {
    if (s?.state === "sent") void navigate({ to: "/transfer/done", search: { kind: "sent" } });
    // A one-time code is good once: a failed try needs a new one.
    if (s?.state === "send_failed") setOtp("");
  }, [s?.state, navigate]);
  const fieldOf = (code: string) =>
    code === "portal_login_refused" ? (user.trim() ? (password ? "portal-otp" : "portal-password") : "portal-user") : null;
  const problem = refusal(send.error, (e) => fieldOf(e.code));
  const failed = s?.state === "send_failed" ? s.problem : null;
  const errors = report.data?.errors ?? 0;
  const sending = s?.state === "sending";
  const noPortal = settings.data && !settings.data.portal_url;
  const loadError = asAppError(report.error);
  return (
    <section aria-labelledby="send-title" data-testid="transfer-send">
      <ErrorSummary
        problems={[
          ...problem.problems,
          ...(failed ? [{ field: null, message: `Nothing was sent or recorded: ${failed.message}. Check and try again, with a new one-time code.` }] : []),
          ...(loadError ? [{ field: null, message: loadError.message }] : []),
        ]}
      />
      <h1 id="send-title">Send to the portal</h1>
      <p className="notice" data-testid="portal-contract">
        NDTMS Desk sends files by its own documented upload contract (the portal contract in its documentation). The national
        portal has published no such endpoint: unless your portal address speaks this contract, save the file and upload it in
        the portal yourself.
      </p>
      {noPortal ? (
        <p data-testid="no-portal">
          No portal address is set, so the file cannot be sent from here.{" "}
          <a href="#/transfer/save" data-testid="save-instead">
            Save it for upload instead
          </a>
          .
        </p>
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void send.run(null).then(() => setPassword(""));
          }}
        >
          {report.data && (
            <p>
              {report.data.file_name}: {count(report.data.rows)} rows for {count(report.data.clients)} clients, to{" "}
              <strong>{settings.data?.portal_url}</strong>.
            </p>
          )}
          <Field id="portal-user" label="Portal user name" value={user} onChange={setUser} autoComplete="off" error={problem.at("portal-user")} disabled={sending} />
          <Field
            id="portal-password"
            label="Portal password"
            type="password"
            value={password}
            onChange={setPassword}
            autoComplete="off"
            error={problem.at("portal-password")}
            disabled={sending}
          />
          <Field
            id="portal-otp"
            label="One-time code"
            hint="Press your YubiKey with the cursor here. The code works once."
            value={otp}
            onChange={setOtp}
            autoComplete="one-time-code"
            error={problem.at("portal-otp")}
            disabled={sending}
          />
          {errors > 0 && (
            <div className="form-group">
              <label className="choice">
                <input type="checkbox" checked={acceptErrors} onChange={(e) => setAcceptErrors(e.target.checked)} data-testid="accept-errors" />
                Send with {count(errors)} errors: the records with errors will not load
              </label>
            </div>
          )}
          {sending && (
            <>
              <progress max={1} value={progressOf(s).share ?? undefined} aria-labelledby="send-words" data-testid="send-progress" />
              <p id="send-words" role="status">
                {progressOf(s).words}
              </p>
            </>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={send.busy || sending} data-testid="send">
              Send the file
            </button>
            <a href="#/transfer/report">Back to the report</a>
          </div>
        </form>
      )}
    </section>
  );
}
