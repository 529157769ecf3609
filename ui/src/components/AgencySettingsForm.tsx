// Administrators' settings of the service: its name as the app shows it, and the idle lock.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { AgencySettings } from "../bindings/AgencySettings";
import { commands } from "../bindings/commands";
import { keys, useCommand } from "../data";
import { refusal } from "./ErrorSummary";
import { SettingsCard } from "./SettingsCard";
import { Field } from "./Field";

export function AgencySettingsForm() {
  const saved = useQuery({ queryKey: ["agency_settings"], queryFn: () => commands.agencySettings(), staleTime: 0 });
  if (!saved.data) return null;
  return <Editor saved={saved.data} />;
}

function Editor({ saved }: { saved: AgencySettings }) {
  const [name, setName] = useState(saved.name);
  const [idle, setIdle] = useState(String(saved.idle_minutes));
  const save = useCommand((_: null) => commands.saveAgencySettings(name, idle), [["agency_settings"], keys.status]);
  const problem = refusal(save.error, (e) =>
    e.code === "idle_minutes_invalid" ? "idle-minutes" : e.code === "agency_name_invalid" ? "agency-name" : null,);
  return (
    <SettingsCard
      id="agency-settings"
      title="The service"
      problems={problem.problems}
      busy={save.busy}
      saveLabel="Save these settings"
      onSave={() => save.run(null).then((r) => r !== undefined)}
    >
      <Field id="agency-name" label="Service name" value={name} onChange={setName} autoComplete="off" error={problem.at("agency-name")} />
      <Field
        id="idle-minutes"
        label="Lock after this many minutes without use"
        hint="From 1 to 60. Whoever is logged in must log in again after this long without using the app."
        value={idle}
        onChange={setIdle}
        inputMode="numeric"
        autoComplete="off"
        error={problem.at("idle-minutes")}
      />
    </SettingsCard>
  );
}
