import { useQuery } from "@tanstack/react-query";
import type { Dashboard } from "../bindings/Dashboard";
import { commands } from "../bindings/commands";
import { day, daysLeft, percent } from "../format";
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
  // What stops 100% this month: the dashboard's check of the month due (on its own database
  // handle, so the page is usable while it runs), read again at most once a minute.
  const quality = useQuery({ queryKey: ["dashboard"], queryFn: () => commands.dashboard(), staleTime: 60_000, enabled: submits });
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
              ? `Deadline ${plan.data.deadline}: ${daysLeft(plan.data.days_left ?? 0)}.`
              : "The deadline day is not set (Settings)."}
          </p>
          <Blocking quality={quality.data ?? null} busy={quality.isPending} />
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

/** What still stops 100% load and data quality in the month due, by rule. */
function Blocking({ quality, busy }: { quality: Dashboard | null; busy: boolean }) {
  if (!quality) return busy ? <p className="hint">Checking this month's records…</p> : null;
  const now = quality.months[quality.months.length - 1];
  if (!now) return null;
  if (quality.rules.length === 0)
    return (
      <p data-testid="home-blocking">
        Checked now: load {percent(now.load_percent)}, data quality {percent(now.data_quality_percent)}. Nothing stops 100%.
      </p>
    );
  return (
    <div data-testid="home-blocking">
      <p>
        Checked now: load {percent(now.load_percent)}, data quality {percent(now.data_quality_percent)}. What stops 100%:
      </p>
      <ul>
        {quality.rules.slice(0, 3).map((r) => (
          <li key={r.rule}>
            {r.count.toLocaleString("en-GB")} × {r.message} <span className="hint">{r.rule}</span>
          </li>
        ))}
      </ul>
      <p>
        <a href="#/reports">See the data-quality report</a>
      </p>
    </div>
  );
}
