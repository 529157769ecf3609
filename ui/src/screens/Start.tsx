import { useNavigate } from "@tanstack/react-router";
import { useEffect } from "react";
import { ErrorPanel } from "../components/ErrorPanel";
import { LogIn } from "../components/LogIn";
import { ReferencePanel } from "../components/ReferencePanel";
import { RestoreNew } from "../components/RestoreNew";
import { SetUpWizard } from "../components/SetUpWizard";
import { Unlock } from "../components/Unlock";
import { asAppError, useAppInfo, useStoreStatus } from "../data";

/** Before log-in: set-up on first run, then unlock (where needed) and log-in. */
export function Start({ locked = false }: { locked?: boolean }) {
  const status = useStoreStatus();
  const info = useAppInfo();
  const navigate = useNavigate();
  const state = status.data?.state;
  useEffect(() => {
    if (state === "logged_in") void navigate({ to: "/caseload", replace: true });
  }, [state, navigate]);
  const error = asAppError(status.error) ?? asAppError(info.error);
  const s = status.data;
  return (
    <>
      <h1>Welcome to NDTMS Desk</h1>
      <p className="lede">
        Record your clients' structured drug and alcohol treatment and send the monthly NDTMS Core Dataset R extract,
        all on this computer.
      </p>
      {error && <ErrorPanel error={error} />}
      {locked && s?.state === "log_in" && (
        <p className="panel-confirm" role="status" data-testid="idle-locked">
          You were logged out because the app was not used for a while. Log in again to carry on.
        </p>
      )}
      {status.isPending && <p role="status">Opening…</p>}
      {s?.state === "needs_set_up" && <SetUpWizard datasets={info.data?.datasets ?? []} />}
      {s?.state === "needs_set_up" && <RestoreNew />}
      {s?.state === "unlock" && <Unlock recoveryOnly={false} />}
      {s?.state === "recover" && <Unlock recoveryOnly reason={s.reason} />}
      {s?.state === "log_in" && <LogIn agency={s.agency} />}
      {info.data && s?.state === "needs_set_up" && <ReferencePanel info={info.data.reference} />}
    </>
  );
}
