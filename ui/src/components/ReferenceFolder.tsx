import { useState, type FormEvent } from "react";
import type { AppError } from "../bindings/AppError";
import type { ReferenceSetting } from "../bindings/ReferenceSetting";
import { commands } from "../bindings/commands";
import { keys, queryClient, useCommand } from "../data";
import { Field } from "./Field";

/** The first line of a refusal: what happened, in plain words, before the core's detail. */
export function refusalLead(error: AppError): string {
  if (error.code === "reference_not_found") return "That folder was not used: it cannot be found. Nothing was changed.";
  if (error.code.startsWith("reference_"))
    return "That folder was not used: its reference data has the problems below. Nothing was changed.";
  if (error.code === "auth_forbidden") return "Only an administrator can change where the reference data comes from.";
  return "That folder was not used. Nothing was changed.";
}

/**
 * Where the reference data comes from, and (for an administrator) a folder to use instead of
 * the shipped copy, such as the official CDS-R tables. The core loads and checks the folder
 * before keeping it; its problems are shown here, file by file.
 */
export function ReferenceFolder({ setting }: { setting: ReferenceSetting | null }) {
  const [folder, setFolder] = useState(setting?.folder ?? "");
  const set = useCommand((chosen: string | null) => commands.setReferenceFolder(chosen));
  const { error, busy } = set;

  const choose = async (chosen: string | null) => {
    const kept = await set.run(chosen);
    if (kept) {
      setFolder(kept.folder ?? "");
      // The answer is the reference data now in use: every screen reads it from here.
      queryClient.setQueryData(keys.reference, kept);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void choose(folder);
  };

  return (
    <section className="card" aria-labelledby="ref-folder-title" data-testid="reference-folder">
      <h2 id="ref-folder-title">Reference data source</h2>
      <p data-testid="ref-folder-now">
        {setting?.folder ? `This database uses the folder ${setting.folder}.` : "This database uses the reference data shipped with NDTMS Desk."}
      </p>
      {error && (
        <div className="form-error" role="alert" data-testid="ref-folder-error">
          <p>{refusalLead(error)}</p>
          <pre className="detail">{error.message}</pre>
        </div>
      )}
      <form onSubmit={submit}>
        <Field
          id="ref-folder"
          label="Folder of reference data"
          hint="The full path of a folder laid out like the shipped reference-data folder (versions.csv and one folder per dataset version)."
          value={folder}
          onChange={setFolder}
          spellCheck={false}
          className="wide"
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} data-testid="use-folder">
            Use this folder
          </button>
          <button type="button" disabled={busy || (setting !== null && !setting.folder)} onClick={() => void choose(null)} data-testid="use-shipped">
            Use the shipped copy
          </button>
        </div>
      </form>
    </section>
  );
}
