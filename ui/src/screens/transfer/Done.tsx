// "Transfer data", last page: what was sent or saved, with its proof.
import { useQuery } from "@tanstack/react-query";
import type { SavedExtract } from "../../bindings/SavedExtract";
import { commands } from "../../bindings/commands";
import { queryClient } from "../../data";
import { count, percent, reportKey, useJob } from "./job";
import { savedKey } from "./Save";

export function Done({ kind }: { kind: "sent" | "saved" }) {
  const job = useJob();
  const report = useQuery({ queryKey: reportKey, queryFn: () => commands.extractReport(), staleTime: 0 });
  const saved = queryClient.getQueryData<SavedExtract>(savedKey);
  const r = report.data;
  if (kind === "sent") {
    const receipt = job.data?.state === "sent" ? job.data.receipt : null;
    if (!receipt) return <p role="status">Nothing has been sent in this session.</p>;
    return (
      <section aria-labelledby="done-title" data-testid="transfer-done">
        <div className="panel-confirm" role="status">
          <h1 id="done-title">Transfer complete</h1>
          <p data-testid="done-summary">
            {count(receipt.rows)} rows sent, receipt {receipt.receipt_id}
          </p>
        </div>
        <dl className="facts" data-testid="receipt">
          <dt>Receipt</dt>
          <dd data-testid="receipt-id">{receipt.receipt_id}</dd>
          <dt>Received</dt>
          <dd>{new Date(receipt.received_at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" })}</dd>
          <dt>File</dt>
          <dd>{receipt.file_name}</dd>
          <dt>Reporting period</dt>
          <dd>{r?.period}</dd>
          <dt>Rows and clients</dt>
          <dd>
            {count(receipt.rows)} rows{r ? `, ${count(r.clients)} clients` : ""}
          </dd>
          <dt>SHA-256</dt>
          <dd className="checksum">{receipt.sha256}</dd>
          <dt>The portal's report</dt>
          <dd>
            Load {percent(receipt.load_percent)}, data quality {percent(receipt.data_quality_percent)}; {count(receipt.errors)} errors,{" "}
            {count(receipt.warnings)} warnings, {count(receipt.mismatches)} mismatches. {receipt.message}
          </dd>
        </dl>
        <p data-testid="period-locked">The reporting period is now locked: changes to records in it need a data lead and a reason.</p>
        <p>
          <a href="#/history">See the history</a>
        </p>
      </section>
    );
  }
  if (!saved) return <p role="status">Nothing has been saved in this session.</p>;
  return (
    <section aria-labelledby="done-title" data-testid="transfer-done">
      <div className="panel-confirm" role="status">
        <h1 id="done-title">File saved for upload</h1>
        <p data-testid="done-summary">
          {count(saved.rows)} rows for {count(saved.clients)} clients
        </p>
      </div>
      <dl className="facts">
        <dt>File</dt>
        <dd data-testid="saved-path">{saved.path}</dd>
        {saved.manifest && (
          <>
            <dt>Manifest</dt>
            <dd data-testid="saved-manifest">{saved.manifest}</dd>
          </>
        )}
        <dt>Reporting period</dt>
        <dd>{saved.period}</dd>
        <dt>Size</dt>
        <dd>{count(saved.bytes)} bytes</dd>
        <dt>SHA-256</dt>
        <dd className="checksum">{saved.sha256}</dd>
      </dl>
      <p>
        Upload the file in the portal. Then, in <a href="#/history">History</a>, choose "I have uploaded this file": the period is locked when
        the upload is recorded, not before.
      </p>
    </section>
  );
}
