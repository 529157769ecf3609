import { describe, expect, it } from "vitest";
import { unlockMessage } from "./Unlock";

describe("unlockMessage", () => {
  it("tells a keyworker in plain words that the passphrase is wrong, without the folder path", () => {
    const shown = unlockMessage({
      code: "store_wrong_passphrase",
      message: "the passphrase is not right for /home/someone/.local/share/ndtms-desk",
    });
    expect(shown).toBe("That passphrase is not right. Check it (capital letters count) and try again.");
    expect(shown).not.toContain("/");
  });

  it("shows the core's message for codes the screen has no wording of its own for", () => {
    expect(unlockMessage({ code: "store_keychain_failed", message: "the system keychain could not be used" })).toBe(
      "the system keychain could not be used",
    );
  });
});
