import { useQuery } from "@tanstack/react-query";
import { commands } from "../bindings/commands";
import { day } from "../dates";
import { ReferencePanel } from "../components/ReferencePanel";
import { ErrorPanel } from "../components/ErrorPanel";
import { asAppError, useAppInfo, useReferenceSetting, useSession } from "../data";

/** After log-in: who and where the user is, and the reference data every check uses. */
export function Home() {
  const session = useSession();
  const info = useAppInfo();
  const reference = useReferenceSetting(session !== null);
  const submits = session?.session.permissions.includes("submit") ?? false;
  const plan = useQuery({ queryKey: ["month_plan"], queryFn: () => commands.monthPlan(), staleTime: 0, enabled: submits });
  if (!session) return null;
  const label = info.data?.datasets.find((d) => d.code === session.agency.dataset)?.label ?? "";
  return (
    <>
      <h1 data-testid="home-title">Welcome, {session.session.display_name}</h1>
      <p className="lede" data-testid="agency">
        Agency {session.agency.code}
        {session.agency.name ? ` — ${session.agency.name}` : ""} · {label} ({session.agency.dataset})
      </p>
      {plan.data && (
        <section className="card" aria-labelledby="next-title" data-testid="next-submission">
          <h2 id="next-title">Next submission: {plan.data.label}</h2>
          <p>
            Reporting period {day(plan.data.period.start)} to {day(plan.data.period.end)}.{" "}
            {plan.data.deadline
              ? `Deadline ${plan.data.deadline}: ${plan.data.days_left === 0 ? "today" : (plan.data.days_left ?? 0) > 0 ? `${plan.data.days_left} days left` : "passed"}.`
              : "The deadline day is not set (Settings)."}
          </p>
          <p>
            <a className="button" href="#/transfer" data-testid="home-transfer">
              Transfer data
            </a>
          </p>
        </section>
      )}
      {asAppError(reference.error) && <ErrorPanel error={asAppError(reference.error)!} />}
      {reference.data && <ReferencePanel info={reference.data.reference} />}
    </>
  );
}
