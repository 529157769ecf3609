// The data layer: busy, error and result state for every command in one place (TanStack
// Query), so screens never hand-write loading flags or catch blocks.
import { QueryClient, notifyManager, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { AppError } from "./bindings/AppError";
import { commands } from "./bindings/commands";
import { isAppError } from "./ipc";

// Answers come from this machine within a few milliseconds: they reach the screens at the end
// of the task that brought them, not a timer tick later (the library's default), which is part
// of what a search keystroke waits for.
notifyManager.setScheduler(queueMicrotask);

export const queryClient = new QueryClient({
  defaultOptions: {
    // Answers come from this machine: no retries that would hide a refusal, no refetch on focus.
    queries: { retry: false, refetchOnWindowFocus: false, staleTime: Infinity },
    mutations: { retry: false },
  },
});

/** Keys of the queries other screens refresh after a change. */
export const keys = {
  status: ["store_status"] as const,
  appInfo: ["app_info"] as const,
  reference: ["reference_setting"] as const,
};

/** An error as the screens show it: an `AppError` whatever went wrong. */
export function asAppError(e: unknown): AppError | null {
  if (e === null || e === undefined) return null;
  return isAppError(e) ? e : { code: "internal", message: String(e) };
}

export function useStoreStatus() {
  return useQuery({ queryKey: keys.status, queryFn: () => commands.storeStatus() });
}

export function useAppInfo() {
  return useQuery({ queryKey: keys.appInfo, queryFn: () => commands.appInfo() });
}

export function useReferenceSetting(enabled: boolean) {
  return useQuery({ queryKey: keys.reference, queryFn: () => commands.referenceSetting(), enabled });
}

/** The logged-in session, or null. */
export function useSession() {
  const status = useStoreStatus();
  return status.data?.state === "logged_in" ? status.data : null;
}

/**
 * A command that changes something: `run(args)` calls it; `busy`, `error` and `data` follow it.
 * `invalidates` names the queries to read again after it succeeds.
 */
export function useCommand<A, T>(fn: (args: A) => Promise<T>, invalidates: readonly (readonly string[])[] = []) {
  const client = useQueryClient();
  const m = useMutation<T, unknown, A>({
    mutationFn: fn,
    onSuccess: async () => {
      await Promise.all(invalidates.map((k) => client.invalidateQueries({ queryKey: k })));
    },
  });
  return {
    /** Resolves to the answer, or to undefined when the command failed (see `error`). */
    run: (args: A): Promise<T | undefined> => m.mutateAsync(args).catch(() => undefined),
    busy: m.isPending,
    error: asAppError(m.error),
    data: m.data,
    reset: m.reset,
  };
}
