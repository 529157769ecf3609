import { describe, expect, it } from "vitest";
import type { Permission } from "./bindings/Permission";
import { screensFor } from "./screens";
import { stepOf } from "./components/SetUpWizard";

// The permissions each role is given by the core (Role::allows), as a session carries them.
const keyworker: Permission[] = ["view_clients", "edit_clients"];
const dataLead: Permission[] = [...keyworker, "submit", "edit_locked_period", "backup", "verify_audit"];
const administrator: Permission[] = [...dataLead, "restore", "manage_users", "manage_keys", "manage_settings"];

describe("screensFor", () => {
  const labels = (p: Permission[]) => screensFor(p).map((s) => s.label);

  it("gives a keyworker the caseload, a new client and drafts, and nothing of the month or administration", () => {
    expect(labels(keyworker)).toEqual(["Home", "Caseload", "New client", "Drafts"]);
  });

  it("adds the data lead's month for a data lead", () => {
    expect(labels(dataLead)).toEqual([
      "Home",
      "Caseload",
      "New client",
      "Drafts",
      "Transfer data",
      "Reports",
      "History",
      "Backups",
      "Audit trail and keys",
    ]);
  });

  it("adds users and settings for an administrator", () => {
    expect(labels(administrator).slice(-4)).toEqual(["Users", "Backups", "Audit trail and keys", "Settings"]);
  });
});

describe("stepOf", () => {
  it("sends a refusal back to the step whose answer it is about, by code", () => {
    expect(stepOf("agency_code_invalid")).toBe(1);
    expect(stepOf("username_taken")).toBe(2);
    expect(stepOf("passwords_differ")).toBe(2);
    expect(stepOf("passphrase_too_short")).toBe(3);
  });
});

import { consequence } from "./screens/RecordConsent";

describe("consequence", () => {
  it("says what a refusal or withdrawal means before it is recorded, and nothing for consent given", () => {
    expect(consequence("ndtms", "refused")).toContain("only the agency code, the consent answer and the client reference");
    expect(consequence("ndtms", "withdrawn")).toContain("only the agency code");
    expect(consequence("ips", "refused")).toContain("National Insurance number");
    expect(consequence("ndtms", "given")).toBeNull();
  });
});
