import type { AppError } from "../bindings/AppError";
import type { ErrorCode } from "../bindings/ErrorCode";

const advice: Partial<Record<ErrorCode, string>> = {
  reference_invalid:
    "The reference data folder has problems. Correct the files listed, or go back to the reference data shipped with NDTMS Desk.",
  reference_not_found: "The chosen reference data folder cannot be found. Check the folder in Settings.",
  reference_unreadable: "A reference data file could not be read. Check the folder's permissions.",
  reference_no_version: "No NDTMS dataset version is in force today in this reference data.",
};

export function ErrorPanel({ error }: { error: AppError }) {
  return (
    <section className="card error" role="alert" aria-labelledby="error-title">
      <h2 id="error-title">Something needs attention</h2>
      <p>{advice[error.code] ?? "NDTMS Desk could not complete the request."}</p>
      <pre className="detail" data-testid="error-detail">
        {error.message}
      </pre>
    </section>
  );
}
