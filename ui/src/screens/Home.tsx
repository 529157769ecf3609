import { ReferencePanel } from "../components/ReferencePanel";
import { ErrorPanel } from "../components/ErrorPanel";
import { asAppError, useAppInfo, useReferenceSetting, useSession } from "../data";

/** After log-in: who and where the user is, and the reference data every check uses. */
export function Home() {
  const session = useSession();
  const info = useAppInfo();
  const reference = useReferenceSetting(session !== null);
  if (!session) return null;
  const label = info.data?.datasets.find((d) => d.code === session.agency.dataset)?.label ?? "";
  return (
    <>
      <h1 data-testid="home-title">Welcome, {session.session.display_name}</h1>
      <p className="lede" data-testid="agency">
        Agency {session.agency.code}
        {session.agency.name ? ` — ${session.agency.name}` : ""} · {label} ({session.agency.dataset})
      </p>
      {asAppError(reference.error) && <ErrorPanel error={asAppError(reference.error)!} />}
      {reference.data && <ReferencePanel info={reference.data.reference} />}
    </>
  );
}
