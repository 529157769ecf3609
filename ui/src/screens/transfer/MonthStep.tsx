// "Transfer data", first page: which data month, its reporting period as the core works it
// out, and the end date the data lead may move (the June-part-July submission).
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import type { MonthPlan } from "../../bindings/MonthPlan";
import { commands } from "../../bindings/commands";
import { ErrorSummary, refusal } from "../../components/ErrorSummary";
import { Field } from "../../components/Field";
import { asAppError, useCommand } from "../../data";
import { day, daysLeft } from "../../format";
import { useSettled } from "../../forms/checks";
import { startBuild } from "./job";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];


export function MonthStep() {
  const plan = useQuery({ queryKey: ["month_plan"], queryFn: () => commands.monthPlan(), staleTime: 0 });
  const error = asAppError(plan.error);
  if (error) return <ErrorSummary problems={[{ field: null, message: error.message }]} />;
  if (!plan.data) return <p role="status">Working out which month is due…</p>;
  return <Choose plan={plan.data} />;
}

function Choose({ plan }: { plan: MonthPlan }) {
  const navigate = useNavigate();
  const [month, setMonth] = useState(`${plan.year}-${String(plan.month).padStart(2, "0")}`);
  const [end, setEnd] = useState(plan.period.end === monthEnd(plan.year, plan.month) ? "" : day(plan.period.end));
  const [y, m] = month.split("-").map(Number) as [number, number];
  const checked = useSettled(
    () =>
      commands.checkPeriod(y, m, end.trim() || null).then(
        (period) => ({ period, error: null }),
        (e: unknown) => ({ period: null, error: asAppError(e) }),
      ),
    [month, end],
    120,
  );
  const start = useCommand((_: null) => startBuild(y, m, end.trim() || null));
  const problem = refusal(checked?.error ?? start.error, (e) => (e.code.startsWith("period_end") || e.code === "date_invalid" ? "end-date" : null));
  const options = recentMonths(plan.year, plan.month);
  return (
    <section aria-labelledby="transfer-title" data-testid="transfer-month">
      <ErrorSummary problems={problem.problems} />
      <h1 id="transfer-title">Transfer data</h1>
      <dl className="facts" data-testid="month-plan">
        <dt>Due next</dt>
        <dd data-testid="month-due">{plan.label}</dd>
        <dt>Deadline</dt>
        <dd data-testid="month-deadline">
          {plan.deadline ? `${plan.deadline} (${daysLeft(plan.days_left ?? 0)})` : "Not set: an administrator can set the region's deadline day in Settings"}
        </dd>
        <dt>Last transfer</dt>
        <dd>{plan.last_transfer ?? "None yet"}</dd>
      </dl>
      {plan.note && <p className="notice">{plan.note}</p>}
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void start.run(null).then((r) => {
            if (r !== undefined) void navigate({ to: "/transfer/build" });
          });
        }}
      >
        <div className="form-group">
          <label htmlFor="data-month">Data month</label>
          <select id="data-month" value={month} onChange={(e) => setMonth(e.target.value)} data-testid="data-month">
            {options.map(([oy, om]) => (
              <option key={`${oy}-${om}`} value={`${oy}-${String(om).padStart(2, "0")}`}>
                {MONTHS[om - 1]} {oy}
              </option>
            ))}
          </select>
        </div>
        <Field
          id="end-date"
          label="Move the end date (optional)"
          hint="Leave blank for the end of the month. For the June-part-July submission give the date in July your region asks for, as dd/mm/yyyy."
          value={end}
          onChange={setEnd}
          error={problem.at("end-date")}
          inputMode="numeric"
          autoComplete="off"
          data-testid="end-date"
        />
        <p data-testid="period" aria-live="polite">
          {checked?.period
            ? `Reporting period: ${day(checked.period.start)} to ${day(checked.period.end)}. Every client with an episode active in it is sent.`
            : " "}
        </p>
        <div className="actions">
          <button type="submit" className="primary" disabled={start.busy || !checked?.period} data-testid="build-extract">
            Build and check the file
          </button>
        </div>
      </form>
    </section>
  );
}

function monthEnd(y: number, m: number): string {
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${y}-${String(m).padStart(2, "0")}-${String(last).padStart(2, "0")}`;
}

/** The month due and the twelve before it, newest first. */
function recentMonths(y: number, m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < 13; i++) {
    const k = y * 12 + (m - 1) - i;
    out.push([Math.floor(k / 12), (k % 12) + 1]);
  }
  return out;
}
