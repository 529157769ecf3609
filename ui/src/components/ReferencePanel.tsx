import type { ReferenceInfo } from "../bindings/ReferenceInfo";

const tagLabels: Record<string, string> = {
  seed: "CDS-R requirements specification",
  public: "Public NDTMS source (earlier dataset)",
  assumed: "Working assumption: check against the official tables",
};

function tagLabel(tag: string): string {
  if (tag.startsWith("vendor-")) return `Supplier practice (dataset ${tag.slice(7)})`;
  return tagLabels[tag] ?? tag;
}

export function ReferencePanel({ info }: { info: ReferenceInfo }) {
  const assumed = info.provenance.find((p) => p.tag === "assumed");
  const assumedItems = assumed ? assumed.fields + assumed.codes + assumed.rules : 0;
  return (
    <section className="card" aria-labelledby="ref-title" data-testid="reference-panel">
      <h2 id="ref-title">Reference data in force</h2>
      <dl className="facts">
        <dt>Dataset</dt>
        <dd data-testid="ref-name">
          {info.name} — release {info.release}
        </dd>
        <dt>In force from</dt>
        <dd>{info.effective_from}</dd>
        <dt>Source</dt>
        <dd data-testid="ref-source">{info.source}</dd>
        <dt>Checksum (SHA-256)</dt>
        <dd>
          <code className="checksum" data-testid="ref-sha256">
            {info.sha256}
          </code>
        </dd>
        <dt>Contents</dt>
        <dd data-testid="ref-contents">
          {info.field_count} fields, {info.codelist_count} code lists ({info.code_count} codes), {info.rule_count}{" "}
          rules
        </dd>
      </dl>
      {assumedItems > 0 && (
        <p className="notice" data-testid="ref-assumed">
          {assumedItems} items are working assumptions, not yet checked against the official CDS-R technical
          definitions and reference data.
        </p>
      )}
      <table className="provenance">
        <caption>Where each item comes from</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Fields</th>
            <th scope="col">Codes</th>
            <th scope="col">Rules</th>
          </tr>
        </thead>
        <tbody>
          {info.provenance.map((p) => (
            <tr key={p.tag} data-testid={`prov-${p.tag}`}>
              <th scope="row">{tagLabel(p.tag)}</th>
              <td>{p.fields}</td>
              <td>{p.codes}</td>
              <td>{p.rules}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
