// Backups: one now, the list in the backup folder, the automatic schedule (administrators), and
// the way into a restore, which checks the backup and asks before replacing anything.
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { BackupSchedule } from "../bindings/BackupSchedule";
import { commands } from "../bindings/commands";
import { ErrorPanel } from "../components/ErrorPanel";
import { refusal } from "../components/ErrorSummary";
import { SettingsCard } from "../components/SettingsCard";
import { Field } from "../components/Field";
import { asAppError, useCommand, useSession } from "../data";
import { size } from "../format";

export const backupKeys = { schedule: ["backup_schedule"], list: ["backups"] } as const;

export function Backups({ restored }: { restored?: string | undefined }) {
  const session = useSession();
  const may = (p: string) => session?.session.permissions.includes(p as never) ?? false;
  const schedule = useQuery({ queryKey: backupKeys.schedule, queryFn: () => commands.backupSchedule(), staleTime: 0 });
  const list = useQuery({ queryKey: backupKeys.list, queryFn: () => commands.backups(), staleTime: 0 });
  const now = useCommand((_: null) => commands.backupNow(), [backupKeys.schedule, backupKeys.list]);
  const error = asAppError(schedule.error) ?? asAppError(list.error);
  return (
    <>
      <h1 id="backups-title">Backups</h1>
      {restored && (
        <p className="panel-confirm" role="status" data-testid="backups-restored">
          Restored from the backup made {restored}. The audit trail records what it replaced.
        </p>
      )}
      {error && <ErrorPanel error={error} />}
      <section className="card" aria-labelledby="backup-now-title">
        <h2 id="backup-now-title">Back up now</h2>
        {schedule.data && <LastBackup schedule={schedule.data} />}
        {now.error && <ErrorPanel error={now.error} />}
        {now.data && (
          <p className="panel-confirm" role="status" data-testid="backup-made">
            Backed up: {now.data.file_name} ({size(now.data.bytes)}).
          </p>
        )}
        <div className="actions">
          <button type="button" className="primary" disabled={now.busy} onClick={() => void now.run(null)} data-testid="backup-now">
            {now.busy ? "Backing up…" : "Back up now"}
          </button>
        </div>
      </section>
      <section className="card" aria-labelledby="backup-list-title">
        <h2 id="backup-list-title">Backups in the folder</h2>
        {list.data?.length === 0 && <p>There are no backups in the folder yet.</p>}
        {list.data && list.data.length > 0 && (
          <table className="users" data-testid="backup-list">
            <thead>
              <tr>
                <th scope="col">Made</th>
                <th scope="col">Size</th>
                <th scope="col">Restores on another computer</th>
                {may("restore") && (
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.data.map((b) => (
                <tr key={b.path}>
                  <td>{b.made}</td>
                  <td>{size(b.bytes)}</td>
                  <td>{b.has_key_file ? "Yes, with the recovery key" : "No: its key file is missing"}</td>
                  {may("restore") && (
                    <td>
                      <Link to="/backups/restore" search={{ path: b.path }} data-testid="restore-link">
                        Restore<span className="visually-hidden"> the backup made {b.made}</span>
                      </Link>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {may("manage_settings") && schedule.data && <ScheduleForm saved={schedule.data} />}
    </>
  );
}

function LastBackup({ schedule }: { schedule: BackupSchedule }) {
  return (
    <>
      <p data-testid="last-backup">
        {schedule.last
          ? `The last backup was made ${schedule.last.made} (${size(schedule.last.bytes)}).`
          : "No backup has been made yet."}{" "}
        {schedule.every_days === 0
          ? "Automatic backups are off."
          : `A backup is made automatically every ${schedule.every_days === 1 ? "day" : `${schedule.every_days} days`} at the first log-in, and the last ${schedule.keep} are kept.`}
      </p>
      <p>
        Backups go to <code data-testid="backup-folder">{schedule.folder}</code>.
      </p>
      {schedule.beside_the_database && (
        <p className="warning-text" data-testid="backup-beside">
          This folder is on the same disk as the database, so a lost or broken computer takes the backups with it. Choose
          a folder on another drive below.
        </p>
      )}
    </>
  );
}

function ScheduleForm({ saved }: { saved: BackupSchedule }) {
  const [folder, setFolder] = useState(saved.folder);
  const [every, setEvery] = useState(String(saved.every_days));
  const [keep, setKeep] = useState(String(saved.keep));
  const save = useCommand((_: null) => commands.saveBackupSchedule(folder, keep, every), [backupKeys.schedule, backupKeys.list]);
  const problem = refusal(save.error, (e) => {
    if (e.code === "folder_missing") return "backup-folder-input";
    if (e.code === "backup_keep_invalid") return "backup-keep";
    if (e.code === "backup_every_invalid") return "backup-every";
    return null;
  });
  return (
    <SettingsCard
      id="schedule"
      title="Automatic backups"
      problems={problem.problems}
      busy={save.busy}
      saveLabel="Save automatic backups"
      onSave={() => save.run(null).then((r) => r !== undefined)}
    >
      <Field
        id="backup-folder-input"
        label="Backup folder"
        hint="The full path of a folder, best on another drive (for example /media/backup/ndtms)."
        value={folder}
        onChange={setFolder}
        autoComplete="off"
        error={problem.at("backup-folder-input")}
      />
      <Field
        id="backup-every"
        label="Days between backups"
        hint="0 turns automatic backups off; 1 makes one each day at the first log-in."
        value={every}
        onChange={setEvery}
        inputMode="numeric"
        autoComplete="off"
        error={problem.at("backup-every")}
      />
      <Field
        id="backup-keep"
        label="How many to keep"
        hint="The oldest backup is removed when there are more than this."
        value={keep}
        onChange={setKeep}
        inputMode="numeric"
        autoComplete="off"
        error={problem.at("backup-keep")}
      />
    </SettingsCard>
  );
}
