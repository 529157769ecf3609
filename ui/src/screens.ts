// The app's screens after log-in: where each lives, its name in the navigation, and the
// permission (from the core's roles) a user needs to see it.
import type { Permission } from "./bindings/Permission";

export type ScreenPath =
  | "/home"
  | "/caseload"
  | "/clients/new"
  | "/drafts"
  | "/transfer"
  | "/reports"
  | "/history"
  | "/users"
  | "/backups"
  | "/security"
  | "/settings";

export interface Screen {
  path: ScreenPath;
  label: string;
  needs: Permission;
  /** The issue that brings the screen, while it is not built yet. */
  comesWith?: string;
}

export const SCREENS: readonly Screen[] = [
  { path: "/home", label: "Home", needs: "view_clients" },
  { path: "/caseload", label: "Caseload", needs: "view_clients" },
  { path: "/clients/new", label: "New client", needs: "edit_clients" },
  { path: "/drafts", label: "Drafts", needs: "edit_clients" },
  { path: "/transfer", label: "Transfer data", needs: "submit", comesWith: "the data lead's month" },
  { path: "/reports", label: "Reports", needs: "submit", comesWith: "the data lead's month" },
  { path: "/history", label: "History", needs: "submit" },
  { path: "/users", label: "Users", needs: "manage_users" },
  { path: "/backups", label: "Backups", needs: "backup" },
  { path: "/security", label: "Audit trail and keys", needs: "verify_audit" },
  { path: "/settings", label: "Settings", needs: "manage_settings" },
];

/** The screens a user with these permissions may open, in navigation order. */
export function screensFor(permissions: readonly Permission[]): Screen[] {
  return SCREENS.filter((s) => permissions.includes(s.needs));
}
