import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { Finding } from "../bindings/Finding";
import type { FormField } from "../bindings/FormField";
import { CatalogueField, RADIO_LIMIT, inputId, todayText } from "./CatalogueField";

afterEach(cleanup);

// Made-up fields: the component must draw whatever the catalogue describes.
const field = (over: Partial<FormField>): FormField => ({
  header: "XFIELD",
  label: "A field",
  help: "Some help.",
  type: "text",
  requirement: "must",
  required: true,
  choices: [],
  min: null,
  max: null,
  max_length: null,
  not_answered: null,
  condition: null,
  group: "other",
  ...over,
});

function Harness({ f, findings = [] }: { f: FormField; findings?: Finding[] }) {
  const [v, setV] = useState("");
  return (
    <>
      <CatalogueField field={f} value={v} onChange={(_, x) => setV(x)} findings={findings} />
      <output data-testid="stored">{v}</output>
    </>
  );
}

const codes = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ code: `C${i}`, label: `Label ${i}`, group: i % 2 ? "Odd ones" : "Even ones" }));

describe("CatalogueField", () => {
  it("finds a long list's codes by their group, and shows the group beside each", () => {
    render(<Harness f={field({ type: "code", choices: codes(RADIO_LIMIT + 4) })} />);
    const box = screen.getByRole("combobox");
    fireEvent.change(box, { target: { value: "odd ones" } });
    const options = screen.getAllByRole("option");
    expect(options).toHaveLength(5);
    expect(options[0]?.textContent).toContain("Odd ones");
    fireEvent.keyDown(box, { key: "Enter" });
    expect(screen.getByTestId("stored").textContent).toBe("C1");
  });

  it("tells how to say a question was not answered, where the field allows it", () => {
    render(<Harness f={field({ type: "integer", min: 0, max: 28, not_answered: "NA" })} />);
    expect(screen.getByText(/NA if the client did not answer/)).toBeTruthy();
    cleanup();
    render(<Harness f={field({ type: "integer", min: 0, max: 28 })} />);
    expect(screen.queryByText(/did not answer/)).toBeNull();
  });

  it("offers a short code list as radios, the code stored", () => {
    render(<Harness f={field({ type: "code", choices: codes(RADIO_LIMIT) })} />);
    expect(screen.getAllByRole("radio")).toHaveLength(RADIO_LIMIT);
    fireEvent.click(screen.getByLabelText("Label 2"));
    expect(screen.getByTestId("stored").textContent).toBe("C2");
  });

  it("offers a long list as a type-ahead matching label or code, chosen with the keyboard", () => {
    render(<Harness f={field({ type: "code", choices: codes(RADIO_LIMIT + 10) })} />);
    expect(screen.queryAllByRole("radio")).toHaveLength(0);
    const box = screen.getByRole("combobox");
    fireEvent.change(box, { target: { value: "label 1" } });
    // "Label 1", "Label 10" … match; the second one is chosen with the arrow and Enter.
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(screen.getByTestId("stored").textContent).toBe("C10");
    expect((box as HTMLInputElement).value).toBe("Label 10 (C10)");
    fireEvent.change(box, { target: { value: "c3" } });
    fireEvent.blur(box);
    expect(screen.getByTestId("stored").textContent).toBe("C3");
  });

  it('fills today in a date field with "t", and says the format', () => {
    render(<Harness f={field({ type: "date" })} />);
    const input = document.getElementById(inputId("XFIELD")) as HTMLInputElement;
    fireEvent.keyDown(input, { key: "t" });
    expect(screen.getByTestId("stored").textContent).toBe(todayText());
    expect(screen.getByText(/dd\/mm\/yyyy/)).toBeTruthy();
  });

  it("shows a flag as yes or no, and marks a required field", () => {
    render(<Harness f={field({ type: "flag" })} />);
    expect(screen.getByText("(required)")).toBeTruthy();
    fireEvent.click(screen.getByLabelText("No"));
    expect(screen.getByTestId("stored").textContent).toBe("N");
  });

  it("shows the core's finding at the field, an error differently from a warning", () => {
    const finding = (severity: Finding["severity"]): Finding => ({
      rule: "R-1",
      severity,
      line: null,
      client_id: "",
      episode_id: "",
      child_id: "",
      field: "XFIELD",
      value: "x",
      message: "The value is odd.",
      fix: "Check it.",
    });
    const { rerender } = render(<Harness f={field({})} findings={[finding("warning")]} />);
    expect(screen.getByTestId("message-XFIELD").className).toBe("warning-message");
    rerender(<Harness f={field({})} findings={[finding("warning"), finding("error")]} />);
    expect(screen.getByTestId("message-XFIELD").className).toBe("error-message");
    expect(screen.getByTestId("message-XFIELD").textContent).toContain("The value is odd. Check it.");
  });
});
