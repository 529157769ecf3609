// "Transfer data": the file being built and checked, with a progress bar and a stop button.
import { useNavigate } from "@tanstack/react-router";
import { useEffect } from "react";
import { commands } from "../../bindings/commands";
import { ErrorSummary } from "../../components/ErrorSummary";
import { asAppError, useCommand } from "../../data";
import { jobKey, progressOf, useJob } from "./job";

export function Building() {
  const navigate = useNavigate();
  const job = useJob();
  const stop = useCommand((_: null) => commands.stopExtract(), [jobKey]);
  const s = job.data;
  useEffect(() => {
    if (s?.state === "ready") void navigate({ to: "/transfer/report" });
  }, [s?.state, navigate]);
  const error = asAppError(job.error) ?? stop.error;
  const { words, share } = s ? progressOf(s) : { words: "", share: null };
  return (
    <section aria-labelledby="build-title" data-testid="transfer-build">
      <ErrorSummary
        problems={[
          ...(error ? [{ field: null, message: error.message }] : []),
          ...(s?.state === "failed" ? [{ field: null, message: `The file could not be built: ${s.problem.message}` }] : []),
        ]}
      />
      <h1 id="build-title">Building the file</h1>
      {(s?.state === "reading" || s?.state === "working") && (
        <>
          <progress max={1} value={share ?? undefined} aria-labelledby="build-words" data-testid="build-progress" />
          <p id="build-words" role="status" data-testid="build-words">
            {words}
          </p>
          <div className="actions">
            <button type="button" onClick={() => void stop.run(null)} disabled={stop.busy} data-testid="stop-extract">
              Stop
            </button>
          </div>
        </>
      )}
      {s?.state === "stopped" && (
        <p role="status" data-testid="build-stopped">
          Stopped. Nothing was saved or sent.
        </p>
      )}
      {(s?.state === "stopped" || s?.state === "failed" || s?.state === "idle") && (
        <p>
          <a href="#/transfer" data-testid="back-to-month">
            Choose the month again
          </a>
        </p>
      )}
    </section>
  );
}
