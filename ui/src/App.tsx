import { useCallback, useEffect, useState } from "react";
import { api } from "./api";
import type { AppError } from "./bindings/AppError";
import type { AppInfo } from "./bindings/AppInfo";
import type { ReferenceSetting } from "./bindings/ReferenceSetting";
import type { StoreStatus } from "./bindings/StoreStatus";
import { ReferencePanel } from "./components/ReferencePanel";
import { ErrorPanel } from "./components/ErrorPanel";
import { ReferenceFolder } from "./components/ReferenceFolder";
import { SetUpWizard } from "./components/SetUpWizard";
import { LogIn } from "./components/LogIn";
import { Unlock } from "./components/Unlock";

const datasetLabels: Record<string, string> = {
  AD: "community adult",
  YP: "community young people",
  SA: "secure setting adult",
  SY: "secure setting young people",
};

export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [status, setStatus] = useState<StoreStatus | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const refresh = useCallback(async () => {
    const s = await api.storeStatus();
    if (s.ok) setStatus(s.value);
    else setError(s.error);
  }, []);

  useEffect(() => {
    void api.appInfo().then((r) => (r.ok ? setInfo(r.value) : setError(r.error)));
    void refresh();
  }, [refresh]);

  const logOut = async () => {
    await api.logOut();
    await refresh();
  };

  const loggedIn = status?.state === "logged_in" ? status : null;
  const user = loggedIn?.session.username ?? null;

  // Once logged in, the reference data is the database's own choice (shipped or a folder).
  const [refSetting, setRefSetting] = useState<ReferenceSetting | null>(null);
  const [refError, setRefError] = useState<AppError | null>(null);
  useEffect(() => {
    setRefSetting(null);
    setRefError(null);
    if (user === null) return;
    void api.referenceSetting().then((r) => (r.ok ? setRefSetting(r.value) : setRefError(r.error)));
  }, [user]);

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand" aria-hidden="true">
          N
        </span>
        <span className="product">NDTMS Desk</span>
        <span className="spacer" />
        {loggedIn && (
          <>
            <span className="who" data-testid="who">
              {loggedIn.session.display_name} ({loggedIn.session.role.replace("_", " ")})
            </span>
            <button type="button" className="topbar-button" onClick={() => void logOut()}>
              Log out
            </button>
          </>
        )}
        {info && (
          <span className="version" data-testid="app-version">
            version {info.version}
          </span>
        )}
      </header>
      <main className="content" aria-busy={status === null}>
        {loggedIn ? (
          <>
            <h1 data-testid="home-title">Welcome, {loggedIn.session.display_name}</h1>
            <p className="lede" data-testid="agency">
              Agency {loggedIn.agency.code}
              {loggedIn.agency.name ? ` — ${loggedIn.agency.name}` : ""} · {datasetLabels[loggedIn.agency.dataset]} dataset (
              {loggedIn.agency.dataset})
            </p>
          </>
        ) : (
          <>
            <h1>Welcome to NDTMS Desk</h1>
            <p className="lede">
              Record your clients' structured drug and alcohol treatment and send the monthly NDTMS Core Dataset R
              extract, all on this computer.
            </p>
          </>
        )}
        {error && <ErrorPanel error={error} />}
        {status === null && !error && <p role="status">Opening…</p>}
        {status?.state === "needs_set_up" && <SetUpWizard onDone={() => void refresh()} />}
        {status?.state === "unlock" && <Unlock recoveryOnly={false} onDone={() => void refresh()} />}
        {status?.state === "recover" && <Unlock recoveryOnly reason={status.reason} onDone={() => void refresh()} />}
        {status?.state === "log_in" && <LogIn agency={status.agency} onDone={() => void refresh()} />}
        {info && status?.state === "needs_set_up" && <ReferencePanel info={info.reference} />}
        {loggedIn && refError && <ErrorPanel error={refError} />}
        {loggedIn && refSetting && <ReferencePanel info={refSetting.reference} />}
        {loggedIn?.session.role === "administrator" && (refSetting || refError) && (
          <ReferenceFolder
            setting={refSetting}
            onChange={(s) => {
              setRefSetting(s);
              setRefError(null);
            }}
          />
        )}
      </main>
    </div>
  );
}
