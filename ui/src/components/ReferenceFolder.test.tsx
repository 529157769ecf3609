import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../bindings/ErrorCode";
import { refusalLead } from "./ReferenceFolder";

describe("refusalLead", () => {
  it("says a refused folder changed nothing, by the kind of problem the core reports", () => {
    expect(refusalLead({ code: "reference_invalid", message: "cds-r/fields.csv line 3: duplicate header" })).toContain(
      "has the problems below",
    );
    expect(refusalLead({ code: "reference_not_found", message: "/media/x is not a folder" })).toContain("cannot be found");
    const codes: ErrorCode[] = ["reference_invalid", "reference_not_found", "folder_missing"];
    for (const code of codes) {
      expect(refusalLead({ code, message: "" })).toContain("Nothing was changed");
    }
  });

  it("tells a user without the role who can do it", () => {
    expect(refusalLead({ code: "auth_forbidden", message: "your role (data lead) does not allow this" })).toBe(
      "Only an administrator can change where the reference data comes from.",
    );
  });
});
