// The one door to the core: typed IPC calls. The UI never sends SQL and never re-implements a rule.
import { invoke } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";
import type { AppInfo } from "./bindings/AppInfo";
import type { ReferenceSetting } from "./bindings/ReferenceSetting";
import type { Session } from "./bindings/Session";
import type { SetUpRequest } from "./bindings/SetUpRequest";
import type { SetUpResult } from "./bindings/SetUpResult";
import type { StoreStatus } from "./bindings/StoreStatus";

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<Result<T>> {
  try {
    return { ok: true, value: await invoke<T>(command, args) };
  } catch (e) {
    if (isAppError(e)) return { ok: false, error: e };
    return { ok: false, error: { code: "ipc_failed", message: String(e) } };
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  storeStatus: () => call<StoreStatus>("store_status"),
  setUp: (request: SetUpRequest) => call<SetUpResult>("set_up", { request }),
  unlock: (secret: { passphrase?: string; recoveryKey?: string }) =>
    call<null>("unlock", { passphrase: secret.passphrase ?? null, recoveryKey: secret.recoveryKey ?? null }),
  logIn: (username: string, password: string) => call<Session>("log_in", { username, password }),
  logOut: () => call<null>("log_out"),
  referenceSetting: () => call<ReferenceSetting>("reference_setting"),
  /** `null` goes back to the reference data shipped with NDTMS Desk. */
  setReferenceFolder: (folder: string | null) => call<ReferenceSetting>("set_reference_folder", { folder }),
};
