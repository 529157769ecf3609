// The one door to the core: every IPC call goes through `call`, which the generated
// `bindings/commands.ts` uses. The UI never sends SQL and never re-implements a rule.
import { invoke } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Calls a command; rejects with an `AppError` (a failed IPC call itself is `ipc_failed`). */
export async function call<T>(command: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isAppError(e)) throw e;
    const failed: AppError = { code: "ipc_failed", message: String(e) };
    throw failed;
  }
}
