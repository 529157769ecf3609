// "Transfer data": saving the file for upload, to a folder or a removable drive, with a
// manifest when it is to be carried out of a secure setting.
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { commands } from "../../bindings/commands";
import { ErrorSummary, refusal } from "../../components/ErrorSummary";
import { Field } from "../../components/Field";
import { queryClient, useCommand } from "../../data";

export const savedKey = ["saved_extract"] as const;

export function Save() {
  const navigate = useNavigate();
  const suggested = useQuery({ queryKey: ["extract_folder"], queryFn: () => commands.extractFolder() });
  const [folder, setFolder] = useState<string | null>(null);
  const [offline, setOffline] = useState(true);
  useEffect(() => {
    if (folder === null && suggested.data) setFolder(suggested.data);
  }, [suggested.data, folder]);
  const save = useCommand((_: null) => commands.saveExtract(folder ?? "", offline), [["submissions"]]);
  const problem = refusal(save.error, (e) => (e.code.startsWith("submission") ? "save-folder" : null));
  return (
    <section aria-labelledby="save-title" data-testid="transfer-save">
      <ErrorSummary problems={problem.problems} />
      <h1 id="save-title">Save for upload</h1>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(null).then((saved) => {
            if (!saved) return;
            queryClient.setQueryData(savedKey, saved);
            void navigate({ to: "/transfer/done", search: { kind: "saved" } });
          });
        }}
      >
        <Field
          id="save-folder"
          label="Folder or drive"
          hint="The full path of the folder, for example a USB drive's. It is made if it does not exist; a file already there is never overwritten."
          value={folder ?? ""}
          onChange={setFolder}
          autoComplete="off"
          error={problem.at("save-folder")}
          data-testid="save-folder"
        />
        <div className="form-group">
          <label className="choice">
            <input type="checkbox" checked={offline} onChange={(e) => setOffline(e.target.checked)} data-testid="save-manifest" />
            Write a manifest beside it (size, SHA-256, counts and period), to carry the file out and prove it unchanged
          </label>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={save.busy} data-testid="save">
            Save the file
          </button>
          <a href="#/transfer/report">Back to the report</a>
        </div>
      </form>
    </section>
  );
}
