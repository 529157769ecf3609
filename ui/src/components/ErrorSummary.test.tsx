import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { addUserField } from "../screens/AddUser";
import { changePasswordField } from "../screens/ChangePassword";
import { ErrorSummary, sentence } from "./ErrorSummary";

afterEach(cleanup);

describe("ErrorSummary", () => {
  it("takes focus when problems appear, but not again on a re-render with the same problems", () => {
    const input = document.createElement("input");
    document.body.appendChild(input);
    const { rerender } = render(<ErrorSummary problems={[{ field: "f", message: "Enter a name." }]} />);
    expect(document.activeElement).toBe(screen.getByTestId("error-summary"));
    input.focus();
    // A keystroke re-renders the page with an equal, new array: typing must not be interrupted.
    rerender(<ErrorSummary problems={[{ field: "f", message: "Enter a name." }]} />);
    expect(document.activeElement).toBe(input);
    rerender(<ErrorSummary problems={[{ field: "g", message: "Another problem." }]} />);
    expect(document.activeElement).toBe(screen.getByTestId("error-summary"));
  });

  it("shows nothing without problems", () => {
    render(<ErrorSummary problems={[]} />);
    expect(screen.queryByTestId("error-summary")).toBeNull();
  });
});

describe("fields of refusals", () => {
  it("points each refusal at the field it is about, by code", () => {
    expect(addUserField({ code: "username_taken", message: "" })).toBe("user-username");
    expect(addUserField({ code: "password_too_short", message: "" })).toBe("user-password");
    expect(addUserField({ code: "auth_forbidden", message: "" })).toBeNull();
    expect(changePasswordField({ code: "passwords_differ", message: "" })).toBe("cp-again");
    expect(changePasswordField({ code: "password_wrong", message: "" })).toBe("cp-current");
  });

  it("turns the core's message into a sentence", () => {
    expect(sentence("the user name kim is taken")).toBe("The user name kim is taken.");
    expect(sentence("Done.")).toBe("Done.");
  });
});
