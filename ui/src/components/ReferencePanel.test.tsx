import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import { ReferencePanel } from "./ReferencePanel";
import { ErrorPanel } from "./ErrorPanel";
import type { ReferenceInfo } from "../bindings/ReferenceInfo";

afterEach(cleanup);

const info: ReferenceInfo = {
  letter: "R",
  name: "Core Dataset R (CDS-R)",
  release: "test.1",
  effective_from: "01/04/2024",
  source: "shipped with NDTMS Desk",
  shipped: true,
  sha256: "ab".repeat(32),
  field_count: 3,
  codelist_count: 1,
  code_count: 2,
  rule_count: 4,
  provenance: [
    { tag: "assumed", fields: 1, codes: 2, rules: 3 },
    { tag: "seed", fields: 2, codes: 0, rules: 1 },
    { tag: "vendor-K", fields: 0, codes: 0, rules: 0 },
  ],
};

describe("ReferencePanel", () => {
  it("shows the version, checksum and contents", () => {
    render(<ReferencePanel info={info} />);
    expect(screen.getByTestId("ref-name").textContent).toBe("Core Dataset R (CDS-R) — release test.1");
    expect(screen.getByTestId("ref-sha256").textContent).toBe("ab".repeat(32));
    expect(screen.getByTestId("ref-contents").textContent).toContain("3 fields, 1 code lists (2 codes), 4");
  });

  it("counts assumed items honestly and labels every provenance tag", () => {
    render(<ReferencePanel info={info} />);
    expect(screen.getByTestId("ref-assumed").textContent).toContain("6 items are working assumptions");
    const row = screen.getByTestId("prov-vendor-K");
    expect(within(row).getByRole("rowheader").textContent).toBe("Supplier practice (dataset K)");
  });

  it("says nothing about assumptions when there are none", () => {
    render(<ReferencePanel info={{ ...info, provenance: [{ tag: "seed", fields: 3, codes: 2, rules: 4 }] }} />);
    expect(screen.queryByTestId("ref-assumed")).toBeNull();
  });
});

describe("ErrorPanel", () => {
  it("advises by error code and shows the detail", () => {
    render(<ErrorPanel error={{ code: "reference_invalid", message: "fields.csv, line 3: bad" }} />);
    expect(screen.getByRole("alert").textContent).toContain("reference data folder has problems");
    expect(screen.getByTestId("error-detail").textContent).toBe("fields.csv, line 3: bad");
  });

  it("falls back to a general message for a code it has no advice for", () => {
    render(<ErrorPanel error={{ code: "store_io", message: "x" }} />);
    expect(screen.getByRole("alert").textContent).toContain("could not complete the request");
  });
});
