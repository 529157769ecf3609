// Administrators' settings of the monthly submission: the portal's address and the region's
// deadline day, each checked by the core before it is saved.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { MonthSettings } from "../bindings/MonthSettings";
import { commands } from "../bindings/commands";
import { refusal } from "./ErrorSummary";
import { SettingsCard } from "./SettingsCard";
import { Field } from "./Field";
import { useCommand } from "../data";

export function MonthSettingsForm() {
  const saved = useQuery({ queryKey: ["month_settings"], queryFn: () => commands.monthSettings(), staleTime: 0 });
  if (!saved.data) return null;
  return <Editor saved={saved.data} />;
}

function Editor({ saved }: { saved: MonthSettings }) {
  const [url, setUrl] = useState(saved.portal_url);
  const [day, setDay] = useState(saved.deadline_day?.toString() ?? "");
  const save = useCommand((_: null) => commands.saveMonthSettings(url, day), [["month_settings"], ["month_plan"]]);
  const problem = refusal(save.error, (e) => (e.code === "portal_bad_address" ? "portal-url" : "deadline-day"));
  return (
    <SettingsCard
      id="month-settings"
      title="The monthly submission"
      problems={problem.problems}
      busy={save.busy}
      saveLabel="Save these settings"
      onSave={() => save.run(null).then((r) => r !== undefined)}
    >
      <Field
        id="portal-url"
        label="Portal address"
        hint="Where “Send to the portal” sends the file (https://…). Leave blank where files are saved and uploaded by hand."
        value={url}
        onChange={setUrl}
        autoComplete="off"
        error={problem.at("portal-url")}
      />
      <Field
        id="deadline-day"
        label="Deadline day"
        hint="The day of the month your region's deadline falls on (usually between the 7th and the 15th)."
        value={day}
        onChange={setDay}
        inputMode="numeric"
        autoComplete="off"
        error={problem.at("deadline-day")}
      />
    </SettingsCard>
  );
}
