//! Builds the monthly extract: which clients and episodes go, how records become wide rows, the
//! file name, and writing the file so a crash never leaves half a file under the final name.
//!
//! The layout is assumed (DATASET-NOTES section 2): one row per client and episode carrying at
//! most one of each child record; more children mean more rows for the same client and episode,
//! kept together, clients in client-id order. The catalogue decides every header and section.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use ndtms_dataset::model::{Condition, KeyRole, RuleKind};
use ndtms_dataset::rows::Row;
use ndtms_dataset::values::{format_date, parse_date};
use ndtms_dataset::{Catalogue, Dataset, ReportingPeriod, Section};
use ndtms_store::Agency;
use std::borrow::Cow;

use ndtms_store::records::{ConsentScope, ConsentStatus};
use ndtms_store::submissions::{SourceChild, SourceClient};
use sha2::{Digest, Sha256};

use crate::error::{Result, SubmissionError};

/// The default file-name pattern: agency, period end, and when the file was made.
pub const DEFAULT_FILE_PATTERN: &str = "{agency}_{dataset}_{period_end}_{timestamp}.csv";

/// A built extract, ready to check, save or send.
#[derive(Debug, Clone)]
pub struct Extract {
    pub agency: String,
    pub dataset: Dataset,
    pub period: ReportingPeriod,
    pub headers: Vec<String>,
    pub rows: Rows,
    /// How many clients the rows are for.
    pub clients: u64,
}

/// Every row's values in one buffer: a 50,000-client extract is a handful of allocations, not
/// millions of small strings to make and free.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    width: usize,
    text: String,
    starts: Vec<usize>,
    /// Each value's end, relative to its row's start (a row is far under 4 GiB).
    ends: Vec<u32>,
}

impl Rows {
    fn new(width: usize) -> Self {
        Self {
            width,
            ..Self::default()
        }
    }

    fn push(&mut self, values: &[&str]) {
        let start = self.text.len();
        self.starts.push(start);
        for v in values {
            self.text.push_str(v);
            self.ends.push((self.text.len() - start) as u32);
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// `more`'s rows after these.
    fn append(&mut self, more: Rows) {
        let offset = self.text.len();
        self.text.push_str(&more.text);
        self.starts.extend(more.starts.iter().map(|s| s + offset));
        self.ends.extend_from_slice(&more.ends);
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Row `i` (0-based), with its line in the file (the header is line 1).
    pub fn row(&self, i: usize) -> Row<'_> {
        let start = self.starts[i];
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        Row::packed(
            &self.text[start..end],
            &self.ends[i * self.width..(i + 1) * self.width],
            i as u64 + 2,
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.len()).map(|i| self.row(i))
    }

    /// The rows as owned values (for tests and small tools).
    pub fn to_vecs(&self) -> Vec<Vec<String>> {
        self.iter()
            .map(|r| {
                (0..r.len())
                    .map(|c| r.get(c).unwrap_or("").to_owned())
                    .collect()
            })
            .collect()
    }
}

/// Which catalogue column each header of a section fills, for the agency's dataset only.
struct Layout<'c> {
    columns: std::collections::HashMap<&'c str, (Section, usize)>,
    /// The key columns in the dataset, found once rather than per row.
    keys: Vec<(Section, KeyRole, usize)>,
}

impl<'c> Layout<'c> {
    fn new(cat: &'c Catalogue, dataset: Dataset) -> Self {
        let columns = cat
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.requirement(dataset).in_dataset())
            .map(|(i, f)| (f.header.as_str(), (f.section, i)))
            .collect();
        let keys = cat
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.requirement(dataset).in_dataset())
            .filter_map(|(i, f)| Some((f.section, f.key?, i)))
            .collect();
        Self { columns, keys }
    }

    fn put<'a>(&self, row: &mut [&'a str], section: Section, fields: &'a [Pair<'_>]) {
        for (h, v) in fields {
            if let Some(&(s, c)) = self.columns.get(h.as_ref())
                && s == section
            {
                row[c] = v.trim();
            }
        }
    }

    /// Writes the record's own id into its section's key column, when that column is in the dataset.
    fn put_key<'a>(&self, row: &mut [&'a str], section: Section, role: KeyRole, id: &'a str) {
        if let Some(&(_, _, c)) = self
            .keys
            .iter()
            .find(|(s, r, _)| *s == section && *r == role)
        {
            row[c] = id;
        }
    }

    /// The child's id (outcome records are kept as "top:ID" or "ypor:ID": one table for both).
    fn put_child_key<'a>(&self, row: &mut [&'a str], section: Section, child: &'a SourceChild) {
        let id = child
            .reference
            .split_once(':')
            .map_or(child.reference.as_str(), |(_, id)| id);
        self.put_key(row, section, KeyRole::Child, id);
    }
}

type Pair<'a> = (Cow<'a, str>, Cow<'a, str>);

fn value<'a>(pairs: &'a [Pair<'_>], header: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(h, _)| h == header)
        .map(|(_, v)| v.trim())
}

/// The consent in force at `on`: the latest NDTMS consent event up to that date, else the
/// CONSENT value on the client record.
fn consent_given(client: &SourceClient, on: NaiveDate) -> Option<bool> {
    client
        .consent
        .iter()
        .filter(|e| e.scope == ConsentScope::Ndtms)
        .filter_map(|e| parse_date(&e.date).map(|d| (d, &e.recorded_at, e.status)))
        .filter(|(d, _, _)| *d <= on)
        .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)))
        .map(|(_, _, status)| status == ConsentStatus::Given)
}

/// Builds the extract for `period`: every client with an episode active at any time in it.
pub fn build(
    cat: &Catalogue,
    agency: &Agency,
    clients: &[SourceClient],
    period: &ReportingPeriod,
) -> Extract {
    let mut go_on = |_| true;
    match build_with(cat, agency, clients, period, &mut go_on) {
        Some(e) => e,
        // Never reached: nothing here asks to stop.
        None => Extract {
            agency: agency.code.clone(),
            dataset: agency.dataset,
            period: *period,
            headers: Vec::new(),
            rows: Rows::new(0),
            clients: 0,
        },
    }
}

/// How many clients are laid out between two progress reports: often enough for a smooth bar,
/// rarely enough to cost nothing.
const CLIENTS_PER_STEP: usize = 1000;

/// What laying out rows needs, found once from the catalogue and shared by the workers.
struct Plan<'c> {
    cat: &'c Catalogue,
    agency: &'c Agency,
    period: &'c ReportingPeriod,
    layout: Layout<'c>,
    width: usize,
    consent: Option<ndtms_dataset::catalogue::ConsentCodes>,
    span: Option<(usize, usize)>,
    agency_col: Option<usize>,
    client_col: Option<usize>,
    /// The columns the program fills with its own name and version, and what it puts there.
    program: Vec<(usize, &'static str)>,
    /// Columns never sent unless a condition on another column holds (`only_when` rules
    /// marked `extract=blank`: the NI number without IPS consent).
    withheld: Vec<(usize, usize, Condition)>,
}

/// [`build`], telling `step` how far it has got every thousand clients; `step` answers false
/// to stop, and then there is no extract. Two workers lay out the two halves of the clients
/// (their rows joined in order after), so the file is the same as one worker would make.
pub fn build_with(
    cat: &Catalogue,
    agency: &Agency,
    clients: &[SourceClient],
    period: &ReportingPeriod,
    step: &mut dyn FnMut(crate::Step) -> bool,
) -> Option<Extract> {
    let plan = Plan {
        cat,
        agency,
        period,
        layout: Layout::new(cat, agency.dataset),
        width: cat.fields.len(),
        consent: cat.consent_codes(),
        span: cat.episode_span(),
        agency_col: cat.key_column(KeyRole::Agency),
        client_col: cat.key_column(KeyRole::Client),
        program: cat.filled_by_program(),
        withheld: cat
            .rules
            .iter()
            .filter(|r| r.kind == RuleKind::OnlyWhen && r.param("extract") == Some("blank"))
            .filter_map(|r| {
                let when = Condition::parse(r.param("when")?)?;
                Some((
                    cat.column(r.fields.first()?)?,
                    cat.column(&when.field)?,
                    when,
                ))
            })
            .collect(),
    };
    let total = clients.len() as u64;
    let (first, second) = clients.split_at(clients.len().div_ceil(2));
    let other = (AtomicUsize::new(0), AtomicUsize::new(0));
    let stop = AtomicBool::new(false);
    let (first, second) = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            plan.lay_out(second, &mut |done, rows| {
                other.0.store(done, Ordering::Relaxed);
                other.1.store(rows, Ordering::Relaxed);
                !stop.load(Ordering::Relaxed)
            })
        });
        let mut tell = |done: usize, rows: usize| {
            let go_on = step(crate::Step::Building {
                clients_done: (done + other.0.load(Ordering::Relaxed)) as u64,
                clients: total,
                rows: (rows + other.1.load(Ordering::Relaxed)) as u64,
            });
            if !go_on {
                stop.store(true, Ordering::Relaxed);
            }
            go_on
        };
        let first = plan.lay_out(first, &mut tell);
        let done = first.as_ref().map_or(0, |(r, _)| r.len());
        while first.is_some() && !worker.is_finished() {
            if !tell(clients.len().div_ceil(2), done) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // A worker that panicked made no rows: no extract, rather than half of one.
        (first, worker.join().ok().flatten())
    });
    let ((mut rows, a), (more, b)) = (first?, second?);
    rows.append(more);
    Some(Extract {
        agency: agency.code.clone(),
        dataset: agency.dataset,
        period: *period,
        headers: cat.fields.iter().map(|f| f.header.clone()).collect(),
        rows,
        clients: a + b,
    })
}

impl Plan<'_> {
    /// Lays out `clients`' rows, telling `progress` the clients done and rows made every
    /// thousand clients (false: stop, and None).
    fn lay_out(
        &self,
        clients: &[SourceClient],
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Option<(Rows, u64)> {
        let Self {
            cat,
            agency,
            period,
            layout,
            width,
            consent,
            span,
            agency_col,
            client_col,
            program,
            withheld,
        } = self;
        let width = *width;
        let active = |fields: &[Pair<'_>]| match span {
            Some((s, e)) => {
                let get = |c: usize| value(fields, &cat.fields[c].header).and_then(parse_date);
                // An episode without a start date is sent, so its error is seen and fixed.
                match get(*s) {
                    None => true,
                    Some(start) => period.overlaps(start, get(*e)),
                }
            }
            None => true,
        };
        let mut rows = Rows::new(width);
        let mut sent_clients = 0;
        for (done, client) in clients.iter().enumerate() {
            if done % CLIENTS_PER_STEP == 0 && !progress(done, rows.len()) {
                return None;
            }
            let episodes: Vec<_> = client
                .episodes
                .iter()
                .map(|e| (e, e.fields.pairs()))
                .filter(|(_, f)| active(f))
                .collect();
            if episodes.is_empty() {
                continue;
            }
            sent_clients += 1;
            let client_fields = client.fields.pairs();
            let mut base: Vec<&str> = vec![""; width];
            let given = consent_given(client, period.end);
            let mut consent_code = "";
            if let Some(cc) = &consent {
                let stored = value(&client_fields, &cat.fields[cc.column].header).unwrap_or("");
                consent_code = match given {
                    Some(true) => cc.given.as_deref().unwrap_or(stored),
                    Some(false) => cc.refused.as_str(),
                    None => stored,
                };
            }
            let refused = consent
                .as_ref()
                .is_some_and(|cc| consent_code == cc.refused);
            if !refused {
                layout.put(&mut base, Section::Client, &client_fields);
                for &(c, v) in program {
                    base[c] = v;
                }
            }
            if let Some(c) = *agency_col {
                base[c] = agency.code.as_str();
            }
            if let Some(c) = *client_col {
                base[c] = client.reference.as_str();
            }
            if let Some(cc) = &consent {
                base[cc.column] = consent_code;
            }
            if refused {
                // A client without consent is sent as AGENCY, CONSENT and CLIENTID only.
                rows.push(&base);
                continue;
            }
            for (ep, ep_fields) in &episodes {
                let mut episode = base.clone();
                layout.put(&mut episode, Section::Episode, ep_fields);
                layout.put_key(
                    &mut episode,
                    Section::Episode,
                    KeyRole::Episode,
                    &ep.reference,
                );
                // Intervention slots: one per sub-intervention review, at least one per intervention.
                let mut slots: Vec<(&SourceChild, Option<&SourceChild>)> = Vec::new();
                for i in &ep.interventions {
                    if i.reviews.is_empty() {
                        slots.push((i, None));
                    } else {
                        slots.extend(i.reviews.iter().map(|r| (i, Some(r))));
                    }
                }
                let tops: Vec<&SourceChild> = ep.outcomes.iter().filter(|o| !o.ypor).collect();
                let ypors: Vec<&SourceChild> = ep.outcomes.iter().filter(|o| o.ypor).collect();
                let n = [slots.len(), tops.len(), ypors.len(), ep.reviews.len(), 1]
                    .into_iter()
                    .max()
                    .unwrap_or(1);
                for k in 0..n {
                    let mut row = episode.clone();
                    let mut parts: Vec<(Section, &SourceChild)> = Vec::with_capacity(5);
                    if let Some((i, sir)) = slots.get(k) {
                        parts.push((Section::Intervention, i));
                        if let Some(r) = sir {
                            parts.push((Section::Sir, r));
                        }
                    }
                    if let Some(t) = tops.get(k) {
                        parts.push((Section::Top, t));
                    }
                    if let Some(y) = ypors.get(k) {
                        parts.push((Section::Ypor, y));
                    }
                    if let Some(c) = ep.reviews.get(k) {
                        parts.push((Section::Cir, c));
                    }
                    let parsed: Vec<_> = parts.iter().map(|(_, c)| c.fields.pairs()).collect();
                    for ((section, child), fields) in parts.iter().zip(&parsed) {
                        layout.put(&mut row, *section, fields);
                        layout.put_child_key(&mut row, *section, child);
                    }
                    withhold(withheld, &mut row);
                    rows.push(&row);
                }
            }
        }
        Some((rows, sent_clients))
    }
}

impl Extract {
    /// The CSV bytes: UTF-8 without BOM, every value quoted, LF line ends (the practice of
    /// dataset K suppliers; assumed). Same data, same bytes.
    pub fn to_csv(&self) -> Vec<u8> {
        // Every value quoted, so only a quote inside one needs escaping (doubled): written
        // straight into the buffer, as the csv crate would with `QuoteStyle::Always` (a test
        // holds the two byte-equal), at several times its speed.
        let mut out = Vec::with_capacity(
            self.rows.text.len() + self.rows.len() * self.headers.len() * 3 + 4096,
        );
        write_line(&mut out, self.headers.iter().map(String::as_str));
        for r in self.rows.iter() {
            write_line(&mut out, (0..r.len()).map(|c| r.get(c).unwrap_or("")));
        }
        out
    }

    /// The attributors of each client sent, for the next file's mismatch check.
    pub fn attributors(&self, cat: &Catalogue) -> Vec<(String, Vec<String>)> {
        cat.attributors_of(
            self.rows
                .iter()
                .map(|r| move |c: usize| r.get(c).unwrap_or("")),
        )
    }
}

/// Blanks each withheld column whose condition does not hold on the row.
fn withhold(withheld: &[(usize, usize, Condition)], row: &mut [&str]) {
    for (c, cc, when) in withheld {
        if !when.holds(row[*cc]) {
            row[*c] = "";
        }
    }
}

/// One CSV line: every value quoted, quotes inside doubled, LF at the end.
fn write_line<'a>(out: &mut Vec<u8>, values: impl Iterator<Item = &'a str>) {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        let mut rest = v.as_bytes();
        while let Some(q) = memchr::memchr(b'"', rest) {
            out.extend_from_slice(&rest[..=q]);
            out.push(b'"');
            rest = &rest[q + 1..];
        }
        out.extend_from_slice(rest);
        out.push(b'"');
    }
    out.push(b'\n');
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fills a file-name pattern. Placeholders: `{agency}`, `{dataset}`, `{period_start}`,
/// `{period_end}` (yyyymmdd), `{month}` (yyyymm of the data month) and `{timestamp}`
/// (yyyymmddThhmmss, UTC). The result must be a plain file name ending in `.csv`.
pub fn file_name(
    pattern: &str,
    agency: &str,
    dataset: Dataset,
    period: &ReportingPeriod,
    now: DateTime<Utc>,
) -> Result<String> {
    let name = pattern
        .replace("{agency}", agency)
        .replace("{dataset}", dataset.code())
        .replace("{period_start}", &period.start.format("%Y%m%d").to_string())
        .replace("{period_end}", &period.end.format("%Y%m%d").to_string())
        .replace("{month}", &format!("{:04}{:02}", period.year, period.month))
        .replace("{timestamp}", &now.format("%Y%m%dT%H%M%S").to_string());
    let bad = name.contains(['{', '}', '/', '\\', ':', '*', '?', '"', '<', '>', '|'])
        || name.starts_with('.')
        || !name.to_ascii_lowercase().ends_with(".csv")
        || name.len() > 200;
    if bad {
        return Err(SubmissionError::BadFileName {
            pattern: pattern.to_owned(),
            name,
        });
    }
    Ok(name)
}

/// Writes `bytes` to `dir/name`, readable by the user alone (0600; a new folder 0700), through a
/// temporary file in the same folder: written, synced, read back and compared, then linked into
/// place. A crash leaves at most a `.partial` file, never a half file under the final name; an
/// existing file (or a link planted there) is never overwritten or followed.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    ndtms_files::write_new(dir, name, bytes).map_err(|e| match e {
        ndtms_files::FileError::Exists(p) => SubmissionError::Exists(p),
        ndtms_files::FileError::Differs(p) => SubmissionError::VerifyFailed(p),
        ndtms_files::FileError::Io { path, source } => SubmissionError::Io { path, source },
    })
}

/// The period as people read it: "01/01/2025 to 31/10/2026".
pub fn format_period(p: &ReportingPeriod) -> String {
    format!("{} to {}", format_date(p.start), format_date(p.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_written_as_the_csv_crate_writes_them_with_every_value_quoted() {
        let lines: [&[&str]; 5] = [
            &["AGENCY", "CLIENTID", "DOB"],
            &["", "a \"quoted\" word", "\"\""],
            &["comma, inside", "line\nbreak", "crlf\r\nend"],
            &["Zoë – ünïcode", "\"", "ends with a quote\""],
            &[""],
        ];
        let mut ours = Vec::new();
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::Any(b'\n'))
            .flexible(true)
            .from_writer(Vec::new());
        for line in lines {
            write_line(&mut ours, line.iter().copied());
            w.write_record(line).unwrap();
        }
        let theirs = w.into_inner().unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }
}
