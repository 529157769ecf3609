import { useEffect, useState } from "react";
import { api } from "./api";
import type { AppError } from "./bindings/AppError";
import type { AppInfo } from "./bindings/AppInfo";
import { ReferencePanel } from "./components/ReferencePanel";
import { ErrorPanel } from "./components/ErrorPanel";

type State = { kind: "loading" } | { kind: "ready"; info: AppInfo } | { kind: "failed"; error: AppError };

export function App() {
  const [state, setState] = useState<State>({ kind: "loading" });

  useEffect(() => {
    let live = true;
    void api.appInfo().then((r) => {
      if (!live) return;
      setState(r.ok ? { kind: "ready", info: r.value } : { kind: "failed", error: r.error });
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand" aria-hidden="true">
          N
        </span>
        <span className="product">NDTMS Desk</span>
        {state.kind === "ready" && (
          <span className="version" data-testid="app-version">
            version {state.info.version}
          </span>
        )}
      </header>
      <main className="content" aria-busy={state.kind === "loading"}>
        <h1>Welcome to NDTMS Desk</h1>
        <p className="lede">
          Record your clients' structured drug and alcohol treatment and send the monthly NDTMS Core Dataset R
          extract, all on this computer.
        </p>
        {state.kind === "loading" && <p role="status">Loading the reference data…</p>}
        {state.kind === "failed" && <ErrorPanel error={state.error} />}
        {state.kind === "ready" && <ReferencePanel info={state.info.reference} />}
      </main>
    </div>
  );
}
