//! Checks made per client and per episode once the whole file is read: an outcome record for
//! every consenting client (`client_has`) and outcome records when they fall due (`overdue`,
//! by the schedules of `due.csv`, as of the check's date).
//!
//! Both only log a little per row (a client's run of rows, an episode row's few dates) and
//! decide at [`FileCheck::finish`], since a client's records may be anywhere in the file.

use super::*;
use crate::due::{Schedule, date_field, due_on_rows, schedules_of};

/// What an overdue rule reads: its schedules in force for this dataset, and the date columns
/// an episode's rows are read for.
#[derive(Debug)]
pub(super) struct Timing {
    schedules: Vec<Schedule>,
    cols: Vec<usize>,
}

impl Timing {
    pub(super) fn new(cat: &Catalogue, rule: &Rule, dataset: Dataset) -> Self {
        let schedules: Vec<Schedule> = schedules_of(cat, rule, dataset).cloned().collect();
        let mut cols: Vec<usize> = Vec::new();
        let end = cat.episode_span().map(|(_, e)| e);
        for c in end.into_iter().chain(schedules.iter().flat_map(|s| {
            [
                cat.column(&s.from),
                date_field(cat, s.section).and_then(|h| cat.column(h)),
            ]
            .into_iter()
            .flatten()
        })) {
            if !cols.contains(&c) {
                cols.push(c);
            }
        }
        Self { schedules, cols }
    }
}

/// A run of rows of one client, for a client-has rule.
#[derive(Debug, Clone, Copy)]
pub(super) struct ClientSeen {
    client: Key,
    has: bool,
    line: u64,
    row: usize,
    text: u32,
}

/// An overdue rule's rows: for each, its episode, place and the dates of [`Timing::cols`]
/// (flat, a stride of `cols.len()`).
#[derive(Debug, Default)]
pub(super) struct TimedRows {
    rows: Vec<TimedRow>,
    dates: Vec<Option<NaiveDate>>,
    last: Option<(Key, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct TimedRow {
    episode: Key,
    line: u64,
    row: usize,
    /// The arena's client id (the episode id follows it).
    text: u32,
}

impl FileCheck<'_> {
    /// Logs what the client-has and overdue rules need of a consenting client's row.
    pub(super) fn outcome_rows(
        &mut self,
        rec: &(impl Record + ?Sized),
        client_key: Key,
        client: &str,
        overdue: &[Option<Key>],
        line: u64,
    ) {
        let v = self.v;
        let row = self.rows as usize - 1;
        for (i, b) in v.bound(RuleKind::ClientHas).iter().enumerate() {
            let has = b.cols.get(1).is_some_and(|&c| !rec.is_blank(c));
            let seen = &mut self.outcome_clients[i];
            match seen.last_mut() {
                Some(last) if last.client == client_key => last.has |= has,
                _ => {
                    let text = self.arena.put(std::iter::once(client));
                    seen.push(ClientSeen {
                        client: client_key,
                        has,
                        line,
                        row,
                        text,
                    });
                }
            }
        }
        for (i, b) in v.bound(RuleKind::Overdue).iter().enumerate() {
            // The client and episode, hashed once a row with the other rules' keys.
            let (Some(key), Some(&ec)) = (overdue[i], b.cols.get(1)) else {
                continue;
            };
            let episode = rec.field(ec);
            let timed = &mut self.timed[i];
            let text = match timed.last {
                Some((k, text)) if k == key => text,
                _ => {
                    let text = self.arena.put([client, episode].into_iter());
                    timed.last = Some((key, text));
                    text
                }
            };
            timed.rows.push(TimedRow {
                episode: key,
                line,
                row,
                text,
            });
            timed
                .dates
                .extend(v.timing[i].cols.iter().map(|&c| v.date(rec, c)));
        }
    }

    /// The findings of the client-has and overdue rules, each with the row it counts against.
    pub(super) fn outcome_findings(&mut self, found: &mut Vec<(Finding, usize)>) {
        let v = self.v;
        for (i, b) in v.bound(RuleKind::ClientHas).iter().enumerate() {
            let rule = v.rule(b);
            let field = b.cols.get(1).map(|&c| &v.cat.fields[c]);
            let mut seen = std::mem::take(&mut self.outcome_clients[i]);
            seen.sort_unstable_by_key(|s| (s.client, s.line));
            for runs in seen.chunk_by(|a, b| a.client == b.client) {
                if runs.iter().any(|s| s.has) {
                    continue;
                }
                let first = runs[0];
                let header = field.map_or("", |f| f.header.as_str());
                let subs = [
                    ("{field}", header),
                    ("{label}", field.map_or("", |f| f.label.as_str())),
                    ("{detail}", v.dataset.code()),
                ];
                let client = self.arena.get(first.text);
                found.push((
                    decided(rule, first.line, client, "", header, &subs),
                    first.row,
                ));
            }
        }
        for (i, b) in v.bound(RuleKind::Overdue).iter().enumerate() {
            let rule = v.rule(b);
            let timing = &v.timing[i];
            let taken = std::mem::take(&mut self.timed[i]);
            let timed = &taken;
            let width = timing.cols.len();
            let mut order: Vec<usize> = (0..timed.rows.len()).collect();
            order.sort_unstable_by_key(|&r| (timed.rows[r].episode, timed.rows[r].line));
            for rows in order.chunk_by(|&a, &b| timed.rows[a].episode == timed.rows[b].episode) {
                let date = |r: usize, c: usize| {
                    let place = timing.cols.iter().position(|&x| x == c)?;
                    timed.dates[rows[r] * width + place]
                };
                let due = due_on_rows(
                    v.cat,
                    &timing.schedules,
                    v.dataset,
                    rows.len(),
                    &date,
                    v.due_on,
                );
                let first = timed.rows[rows[0]];
                for item in due.into_iter().filter(|d| d.overdue) {
                    let field = date_field(v.cat, item.section).unwrap_or_default();
                    let subs = [
                        ("{field}", field),
                        ("{detail}", item.label.as_str()),
                        ("{value}", item.by.as_str()),
                    ];
                    let (client, episode) =
                        (self.arena.get(first.text), self.arena.get(first.text + 1));
                    found.push((
                        decided(rule, first.line, client, episode, field, &subs),
                        first.row,
                    ));
                }
            }
        }
    }
}

/// A finding about a whole client or episode, decided at the end: on the first row seen of
/// it, its message and fix filled with `subs`.
fn decided(
    rule: &Rule,
    line: u64,
    client: &str,
    episode: &str,
    field: &str,
    subs: &[(&str, &str)],
) -> Finding {
    Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        line: Some(line),
        client_id: client.to_owned(),
        episode_id: episode.to_owned(),
        child_id: String::new(),
        field: field.to_owned(),
        value: String::new(),
        message: render(&rule.message, subs),
        fix: render(&rule.fix, subs),
    }
}
