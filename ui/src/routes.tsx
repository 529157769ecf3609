// Routes: one URL per screen (hash history, so back and forward work and a test can open a
// screen directly), an auth-gated layout, and each screen gated by the permission it needs.
import {
  Link,
  Outlet,
  createHashHistory,
  createRootRoute,
  createRoute,
  createRouter,
  redirect,
  useNavigate,
  useParams,
  useSearch,
} from "@tanstack/react-router";
import type { StoreStatus } from "./bindings/StoreStatus";
import { commands } from "./bindings/commands";
import { keys, queryClient, useAppInfo, useCommand, useSession } from "./data";
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { SCREENS, screensFor, type Screen, type ScreenPath } from "./screens";
import { AddUser } from "./screens/AddUser";
import { Backups } from "./screens/Backups";
import { RestoreBackup } from "./screens/RestoreBackup";
import { Security } from "./screens/Security";
import { Caseload } from "./screens/Caseload";
import { ClientRecord } from "./screens/ClientRecord";
import { DeleteRecord } from "./screens/DeleteRecord";
import { Drafts } from "./screens/Drafts";
import { History } from "./screens/History";
import { NewClient } from "./screens/NewClient";
import { RecordHistory } from "./screens/RecordHistory";
import { RecordFormScreen } from "./screens/RecordForm";
import type { Section } from "./bindings/Section";
import { RecordConsent } from "./screens/RecordConsent";
import { ChangePassword } from "./screens/ChangePassword";
import { Home } from "./screens/Home";
import { NotYet } from "./screens/NotYet";
import { Settings } from "./screens/Settings";
import { Start } from "./screens/Start";
import { Users } from "./screens/Users";
import { Reports } from "./screens/Reports";
import { Import } from "./screens/Import";
import { Building } from "./screens/transfer/Building";
import { Done } from "./screens/transfer/Done";
import { MonthStep } from "./screens/transfer/MonthStep";
import { Report } from "./screens/transfer/Report";
import { Save } from "./screens/transfer/Save";
import { Send } from "./screens/transfer/Send";

function status(): Promise<StoreStatus> {
  return queryClient.fetchQuery({ queryKey: keys.status, queryFn: () => commands.storeStatus() });
}

function Shell() {
  const info = useAppInfo();
  const session = useSession();
  const navigate = useNavigate();
  const logOut = useCommand(async () => {
    await commands.logOut();
    // Nothing of one user's session stays for the next (a shared desk computer).
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== keys.appInfo[0] });
    return null;
  });
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to the main content
      </a>
      <header className="topbar">
        <span className="brand" aria-hidden="true">
          N
        </span>
        <span className="product">NDTMS Desk</span>
        <span className="spacer" />
        {session && (
          <>
            <span className="who" data-testid="who">
              {session.session.display_name} ({session.session.role.replace("_", " ")})
            </span>
            <button
              type="button"
              className="topbar-button"
              disabled={logOut.busy}
              onClick={() => void logOut.run(undefined).then(() => navigate({ to: "/" }))}
            >
              Log out
            </button>
          </>
        )}
        {info.data && (
          <span className="version" data-testid="app-version">
            version {info.data.version}
          </span>
        )}
      </header>
      <Outlet />
    </div>
  );
}

/**
 * The idle lock, shown as soon as it happens: the session is asked after on a timer (the asking
 * is not counted as use), and a locked one goes back to the log-in with nothing of it left.
 */
function useIdleLock() {
  const navigate = useNavigate();
  const status = useQuery({ queryKey: keys.status, queryFn: () => commands.storeStatus(), refetchInterval: 10_000 });
  const state = status.data?.state;
  useEffect(() => {
    if (state === undefined || state === "logged_in") return;
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== keys.appInfo[0] && q.queryKey[0] !== keys.status[0] });
    void navigate({ to: "/", search: { locked: true } });
  }, [state, navigate]);
}

/** The logged-in frame: the navigation the user's role allows, and the screen. */
function AppLayout() {
  useIdleLock();
  const session = useSession();
  const screens = session ? screensFor(session.session.permissions) : [];
  return (
    <div className="frame">
      <nav className="sidenav" aria-label="Main" data-testid="nav">
        <ul>
          {screens.map((s) => (
            <li key={s.path}>
              <Link to={s.path} data-testid={`nav-${s.path.slice(1).replace("/", "-")}`} activeProps={{ "aria-current": "page" }}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

const rootRoute = createRootRoute({ component: Shell });

const startRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  validateSearch: (search: Record<string, unknown>): { locked?: boolean | undefined } => ({
    locked: search["locked"] === true ? true : undefined,
  }),
  component: function StartScreen() {
    const search = useSearch({ strict: false });
    return (
      <main id="main" className="content">
        <Start locked={"locked" in search && search.locked === true} />
      </main>
    );
  },
});

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  // Fails closed: anything but a live session goes back to the start (set-up, unlock, log-in).
  beforeLoad: async () => {
    const s = await status().catch(() => null);
    if (s?.state !== "logged_in") throw redirect({ to: "/" });
    // A first password allows nothing but choosing one's own (the store holds to it too).
    if (s.session.must_change_password) throw redirect({ to: "/change-password" });
    return { session: s };
  },
  component: AppLayout,
});

const changePasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/change-password",
  beforeLoad: async () => {
    const s = await status().catch(() => null);
    if (s?.state !== "logged_in") throw redirect({ to: "/" });
  },
  component: ChangePassword,
});

/** The screens built so far; the others say plainly that they are not built yet. */
const BUILT: Partial<Record<ScreenPath, () => React.JSX.Element | null>> = {
  "/home": Home,
  "/clients/new": NewClient,
  "/drafts": Drafts,
  "/history": History,
  "/transfer": MonthStep,
  "/reports": Reports,
  "/settings": Settings,
  "/security": Security,
};

function gate(needs: Screen["needs"]) {
  return ({ context }: { context: { session: { session: { permissions: readonly string[] } } } }) => {
    if (!context.session.session.permissions.includes(needs)) throw redirect({ to: "/home" });
  };
}

function screenRoute(screen: Screen) {
  const Built = BUILT[screen.path];
  return createRoute({
    getParentRoute: () => appRoute,
    path: screen.path,
    beforeLoad: gate(screen.needs),
    component: Built ?? (() => <NotYet screen={screen} />),
  });
}

const usersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/users",
  beforeLoad: gate("manage_users"),
  validateSearch: (search: Record<string, unknown>): { added?: string | undefined } => ({
    added: typeof search["added"] === "string" ? search["added"] : undefined,
  }),
  component: function UsersScreen() {
    const search = useSearch({ strict: false });
    return <Users added={"added" in search ? search.added : undefined} />;
  },
});

const backupsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/backups",
  beforeLoad: gate("backup"),
  validateSearch: (search: Record<string, unknown>): { restored?: string | undefined } => ({
    restored: typeof search["restored"] === "string" ? search["restored"] : undefined,
  }),
  component: function BackupsScreen() {
    const search = useSearch({ strict: false });
    return <Backups restored={"restored" in search ? search.restored : undefined} />;
  },
});

const restoreRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/backups/restore",
  beforeLoad: gate("restore"),
  validateSearch: (search: Record<string, unknown>): { path: string } => ({
    path: typeof search["path"] === "string" ? search["path"] : "",
  }),
  component: function RestoreScreen() {
    const search = useSearch({ strict: false });
    return <RestoreBackup path={"path" in search ? (search.path ?? "") : ""} />;
  },
});

const caseloadRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/caseload",
  beforeLoad: gate("view_clients"),
  validateSearch: (search: Record<string, unknown>): { done?: string | undefined } => ({
    done: typeof search["done"] === "string" ? search["done"] : undefined,
  }),
  component: function CaseloadScreen() {
    const search = useSearch({ strict: false });
    return <Caseload done={"done" in search ? search.done : undefined} />;
  },
});

const historyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/clients/$reference/history",
  beforeLoad: gate("view_record_history"),
  component: function HistoryScreen() {
    const { reference } = useParams({ strict: false });
    return <RecordHistory reference={reference ?? ""} />;
  },
});

const deleteRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/clients/$reference/delete",
  beforeLoad: gate("delete_records"),
  validateSearch: (search: Record<string, unknown>): { episode?: string | undefined } => ({
    episode: typeof search["episode"] === "string" ? search["episode"] : undefined,
  }),
  component: function DeleteScreen() {
    const { reference } = useParams({ strict: false });
    const search = useSearch({ strict: false });
    return <DeleteRecord reference={reference ?? ""} episode={"episode" in search ? search.episode : undefined} />;
  },
});

const SECTIONS: readonly Section[] = ["client", "episode", "intervention", "sir", "top", "ypor", "cir"];
const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

const recordRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/clients/$reference/record",
  beforeLoad: gate("edit_clients"),
  validateSearch: (
    search: Record<string, unknown>,
  ): {
    section: Section;
    episode?: string | undefined;
    intervention?: string | undefined;
    id?: string | undefined;
    field?: string | undefined;
    finding?: string | undefined;
  } => ({
    section: SECTIONS.find((s) => s === search["section"]) ?? "episode",
    episode: text(search["episode"]),
    intervention: text(search["intervention"]),
    id: text(search["id"]),
    field: text(search["field"]),
    finding: text(search["finding"]),
  }),
  component: function RecordScreen() {
    const { reference } = useParams({ strict: false });
    const search = useSearch({ from: "/app/clients/$reference/record" });
    return (
      <RecordFormScreen
        key={`${search.section}-${search.episode}-${search.intervention}`}
        place={{
          section: search.section,
          client: reference ?? "",
          episode: search.episode ?? null,
          intervention: search.intervention ?? null,
          id: search.id ?? null,
        }}
        field={search.field}
        finding={search.finding}
      />
    );
  },
});

const clientRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/clients/$reference",
  beforeLoad: gate("view_clients"),
  validateSearch: (search: Record<string, unknown>): { recorded?: string | undefined } => ({
    recorded: typeof search["recorded"] === "string" ? search["recorded"] : undefined,
  }),
  component: function ClientScreen() {
    const { reference } = useParams({ strict: false });
    const search = useSearch({ strict: false });
    return (
      <ClientRecord reference={reference ?? ""} recorded={"recorded" in search ? search.recorded : undefined} />
    );
  },
});

const consentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/clients/$reference/consent",
  beforeLoad: gate("edit_clients"),
  validateSearch: (search: Record<string, unknown>): { scope: "ndtms" | "ips" } => ({
    scope: search["scope"] === "ips" ? "ips" : "ndtms",
  }),
  component: function ConsentScreen() {
    const { reference } = useParams({ strict: false });
    const search = useSearch({ strict: false });
    return <RecordConsent reference={reference ?? ""} scope={"scope" in search && search.scope === "ips" ? "ips" : "ndtms"} />;
  },
});

const addUserRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/users/new",
  beforeLoad: gate("manage_users"),
  component: AddUser,
});

/** A page of the transfer wizard, for data leads (the core refuses anyone else too). */
function transferPage<P extends string>(path: P, component: () => React.JSX.Element | null) {
  return createRoute({ getParentRoute: () => appRoute, path, beforeLoad: gate("submit"), component });
}

const transferDoneRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/transfer/done",
  beforeLoad: gate("submit"),
  validateSearch: (search: Record<string, unknown>): { kind: "sent" | "saved" } => ({
    kind: search["kind"] === "sent" ? "sent" : "saved",
  }),
  component: function DoneScreen() {
    const search = useSearch({ from: "/app/transfer/done" });
    return <Done kind={search.kind} />;
  },
});

const routeTree = rootRoute.addChildren([
  startRoute,
  changePasswordRoute,
  appRoute.addChildren([
    ...SCREENS.filter((s) => s.path !== "/users" && s.path !== "/caseload" && s.path !== "/backups").map(screenRoute),
    caseloadRoute,
    backupsRoute,
    restoreRoute,
    historyRoute,
    deleteRoute,
    recordRoute,
    usersRoute,
    addUserRoute,
    clientRoute,
    consentRoute,
    transferPage("/import", Import),
    transferPage("/transfer/build", Building),
    transferPage("/transfer/report", Report),
    transferPage("/transfer/send", Send),
    transferPage("/transfer/save", Save),
    transferDoneRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  history: createHashHistory(),
  defaultNotFoundComponent: () => <p>That page does not exist.</p>,
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
