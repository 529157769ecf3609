// The month's job as the wizard's pages see it: its status read again every tenth of a second
// while it works (the core runs it on a thread of its own, so the window stays usable).
import { useQuery } from "@tanstack/react-query";
import type { JobStatus } from "../../bindings/JobStatus";
import { commands } from "../../bindings/commands";
import { queryClient } from "../../data";
import { count } from "../../format";

export { count, percent } from "../../format";

export const jobKey = ["extract_status"] as const;
export const reportKey = ["extract_report"] as const;

const busy = (s: JobStatus | undefined) => s?.state === "reading" || s?.state === "working" || s?.state === "sending";

export function useJob() {
  return useQuery({
    queryKey: jobKey,
    queryFn: () => commands.extractStatus(),
    staleTime: 0,
    refetchInterval: (q) => (busy(q.state.data) ? 100 : false),
  });
}

/**
 * Starts building the file for a data month. The status known to the window is set to
 * "reading" at once, so the progress page never acts on the last job's "ready".
 */
export async function startBuild(year: number, month: number, end: string | null): Promise<null> {
  await commands.startExtract(year, month, end);
  queryClient.setQueryData<JobStatus>(jobKey, { state: "reading" });
  queryClient.removeQueries({ queryKey: reportKey });
  return null;
}


/** What the job is doing, in words, and how far it has got (0 to 1, or null when unknown). */
export function progressOf(s: JobStatus): { words: string; share: number | null } {
  switch (s.state) {
    case "reading":
      return { words: "Reading the records…", share: 0 };
    case "working":
      return s.step.step === "building"
        ? {
            words: `Building the rows: ${count(s.step.clients_done)} of ${count(s.step.clients)} clients, ${count(s.step.rows)} rows so far`,
            share: s.step.clients ? (s.step.clients_done / s.step.clients) * 0.5 : 0,
          }
        : {
            words: `Checking the rows as the portal would: ${count(s.step.rows_done)} of ${count(s.step.rows)}`,
            share: 0.5 + (s.step.rows ? (s.step.rows_done / s.step.rows) * 0.5 : 0.5),
          };
    case "sending":
      switch (s.progress.step) {
        case "logging_in":
          return { words: "Logging in to the portal…", share: null };
        case "uploading":
          return {
            words: `Sending the file: ${count(s.progress.sent)} of ${count(s.progress.total)} bytes`,
            share: s.progress.total ? s.progress.sent / s.progress.total : 0,
          };
        case "waiting_for_report":
          return { words: "Sent. Waiting for the portal's report…", share: 1 };
        case "retrying":
          return { words: `${s.progress.reason}: trying again (${s.progress.attempt} of ${s.progress.of})…`, share: null };
      }
      return { words: "", share: null };
    default:
      return { words: "", share: null };
  }
}
