import { ErrorPanel } from "../components/ErrorPanel";
import { ReferenceFolder } from "../components/ReferenceFolder";
import { AgencySettingsForm } from "../components/AgencySettingsForm";
import { MonthSettingsForm } from "../components/MonthSettingsForm";
import { ReferencePanel } from "../components/ReferencePanel";
import { asAppError, useReferenceSetting } from "../data";

/** Administrators' settings: the service's, the monthly submission's, and where the reference data comes from. */
export function Settings() {
  const reference = useReferenceSetting(true);
  const error = asAppError(reference.error);
  return (
    <>
      <h1>Settings</h1>
      <AgencySettingsForm />
      <MonthSettingsForm />
      {error && <ErrorPanel error={error} />}
      {reference.data && <ReferencePanel info={reference.data.reference} />}
      {(reference.data || error) && <ReferenceFolder setting={reference.data ?? null} />}
    </>
  );
}
