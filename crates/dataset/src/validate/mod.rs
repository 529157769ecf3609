//! The validation engine: runs the rules of `rules.csv` over fields, records and whole files.
//!
//! A run reports every finding, never just the first. The engine knows kinds of check; which
//! fields they apply to, how severe they are and what they say all come from the reference data.
//!
//! # How it is fast
//!
//! `Validator::check_field` (one value as it is typed), `check_record`, and `FileCheck`/`check_csv`
//! for whole files with the cross-record checks; findings can stream to a sink and be capped in
//! memory (`keep_at_most`), with exact totals. Speed comes from doing per row only what must be per
//! row. The catalogue's columns fall into *runs* (neighbouring columns of one section); a row's run
//! written byte for byte as on the row before, with the same consent, is not field-checked again
//! when the run gave no finding there and reads nothing from a changed run (conditions and child
//! keys say what a run reads). Record and cross-record rules are skipped the same way: each rule
//! knows the runs it reads (`Bound::reads`) and is left out when they are all unchanged and it
//! found nothing on the row before (`Repeat`). First-row comparisons (attributors, consistency)
//! compare the run's raw text as one slice. The field checks take the columns 64 at a time as bit
//! masks (`ColumnBits`): a row's filled columns, the blank ones that ask for a value (less the
//! sections of child records the row does not carry), and per type the columns with a check of
//! their own, so each type's values are checked in a loop of their own (branches that go the same
//! way column after column) and a blank column that asks for nothing costs nothing. A value passing
//! is seen in a small test on its bytes; the columns with a finding (and the blank ones asked for)
//! are then visited again in column order to say why, so the findings come in the order of a
//! column-by-column pass. A plain row's value places and its filled columns come from its comma
//! places together, four values at a time (`places.rs`). Code lists are a bitmap of one-character
//! codes plus sorted packed integers; dates are ordered integer keys (eight bytes checked at once),
//! parsed at most once per record (the field checks leave them for the record rules). Cross-row
//! state is keyed by 128-bit hashes (each set of key columns hashed once a row), first-row text
//! kept in one arena; rules keyed by the same columns (the attributors and the client consistency
//! rule, all by client) share one map of first rows with a slot each, so a new client costs one
//! insert, into a table holding each key beside its place (`KeyTable`: one cache miss), and the
//! slots a batch will look up are read ahead together so their misses overlap. Duplicate keys are
//! looked for within the client's run of rows (a sorted log catches the rare duplicate across two
//! runs, and is not even sorted when no client came back); episodes are logged and, when every
//! client's rows came together, sorted client by client at the end, not all at once. Value ends are
//! `u32`s (a record is at most 1 MiB). A file read with `check_csv` is checked on several threads
//! when the machine has more than one core (`FileCheck::threads`; `ndtms validate --threads`): the
//! reading thread only cuts the file into blocks of 256 lines at line feeds (`rows::LineBlocks`:
//! the bytes read become the block, and only the bytes after its cut, less than a block, are copied
//! out) and hands them in turn to worker threads, which read them into rows in place (each with its
//! own `RowReader` started at the block's line; the block stands in for the reader's input buffer,
//! not copied into it), run each row's own checks as it is read (`OwnChecks`: fields and record
//! rules, with the runs-unchanged shortcut inside the batch) and work out every key the cross-
//! record checks look up (`Validator::row_keys`); the reading thread then runs the cross-record
//! checks batch by batch in file order, so findings come out in exactly the order of a one-thread
//! run. When the next batch in file order is still with a worker, the reading thread checks the
//! file's next block itself rather than wait (up to eight batches a worker in flight), which keeps
//! both cores busy. A block a worker cannot read (bad bytes, or a quoted value running over a line
//! break, which a block edge may cut) is read again, with everything after it, by one reader on the
//! reading thread, so an error names the line and column a one-thread read names. A few batches are
//! in flight at once (memory stays bounded); a worker's panic is handed back and raised on the
//! reading thread rather than leaving it waiting. Rows already split (the extract's, for the pre-
//! transfer report) take the same route (`rows_of`). `tests/fast_paths.rs` proves the shortcuts
//! change nothing: reading a CSV file, on one thread or in blocks of 1, 7 or 64 lines over 1 to 3
//! workers, gives exactly the findings of handing the same rows over value by value, and bad input
//! gives the same error on worker threads as on one.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use crate::catalogue::Catalogue;
use crate::error::ValidationError;
use crate::model::{
    Condition, Dataset, Field, FieldType, KeyRole, Rule, RuleKind, Section, Severity,
};
use crate::rows::{Block, LineBlocks, Row, RowReader};
use crate::values::{date_key, date_of_key, key_of_date, parse_date, parse_int};

mod adapters;
mod cross;
mod fields;
mod file;
mod keys;
mod outcomes;
mod own;
mod parallel;
mod plan;
mod rules;
#[cfg(test)]
mod tests;

use self::{
    adapters::*, cross::*, file::*, keys::*, outcomes::*, own::*, parallel::*, plan::*, rules::*,
};

/// One problem found by a rule, naming its record and field, with a plain-English message and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// 1-based line in the file, when the record came from a file.
    #[ts(type = "number | null")]
    pub line: Option<u64>,
    pub client_id: String,
    pub episode_id: String,
    pub child_id: String,
    pub field: String,
    pub value: String,
    pub message: String,
    pub fix: String,
}

/// Read access to one record's values by catalogue column.
pub trait Record {
    fn value(&self, column: usize) -> &str;

    /// The value without surrounding white space (which the rules ignore).
    fn field(&self, column: usize) -> &str {
        self.value(column).trim_ascii()
    }

    /// Whether the field is blank (white space only, or absent).
    fn is_blank(&self, column: usize) -> bool {
        self.field(column).is_empty()
    }

    /// The field's bytes: for checks that pass or fail on bytes alone (a slice of bytes is
    /// cut without the character-boundary checks of a slice of text).
    fn bytes(&self, column: usize) -> &[u8] {
        self.field(column).as_bytes()
    }

    /// Which of the columns `lo..hi` (at most 64 of them) hold a value, as bits from `lo`.
    fn filled(&self, lo: usize, hi: usize) -> u64 {
        (lo..hi)
            .filter(|&c| !self.is_blank(c))
            .fold(0, |bits, c| bits | 1 << (c - lo))
    }
}

/// Validates records of one dataset against one catalogue, as of one date.
#[derive(Debug)]
pub struct Validator<'c> {
    cat: &'c Catalogue,
    dataset: Dataset,
    as_of: NaiveDate,
    as_of_key: u32,
    /// Bound rules indexed by `RuleKind as usize`: a hashed lookup per field was the hot spot.
    by_kind: Vec<Vec<Bound>>,
    conditions: Vec<Option<(usize, Condition)>>,
    codelists: Vec<Option<&'c crate::model::CodeList>>,
    /// For each column with a code list: the codes valid on `as_of`, for a hashed lookup.
    valid_codes: Vec<Option<CodeSet<'c>>>,
    /// For each column of a child section (other than the child's own key): that key's column.
    child_key_of: Vec<Option<usize>>,
    /// For each consistency rule: the columns it compares.
    consistent_cols: Vec<Vec<usize>>,
    /// The lowest and highest column each attributor and consistency rule compares.
    attributor_spans: Vec<(usize, usize)>,
    consistent_spans: Vec<(usize, usize)>,
    client_col: Option<usize>,
    episode_col: Option<usize>,
    child_cols: Vec<usize>,
    consent: Option<(usize, String)>,
    /// For each column of a child section: the place of that child's key in `child_cols`.
    child_slot: Vec<Option<u8>>,
    plan: Vec<ColPlan>,
    runs: Vec<Run>,
    /// The bit of the run holding the client's id.
    client_run: Option<u64>,
    /// For each date column its place among them (the per-record date cache).
    date_slot: Vec<Option<u8>>,
    bits: ColumnBits,
    /// For each overdue rule: the schedules it keeps and the columns it reads.
    timing: Vec<Timing>,
    /// The day what is overdue is judged on (`as_of` unless set by [`Validator::due_on`]).
    due_on: NaiveDate,
}

/// Totals of a file check, with the portal's percentages as this project computes them.
///
/// The portal's own formulas are not published; these are assumed (DATASET-NOTES section 5):
/// load % = rows without an error / all rows × 100; data quality % = rows with neither an error
/// nor a warning / all rows × 100. A header error (missing or extra column) makes both 0.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FileReport {
    pub rows: u64,
    pub clients: u64,
    pub errors: u64,
    pub warnings: u64,
    pub mismatches: u64,
    pub rows_with_errors: u64,
    pub rows_with_warnings: u64,
    /// Rows with an error or a warning (or both): what data quality % counts against.
    pub rows_with_errors_or_warnings: u64,
    pub load_percent: f64,
    pub data_quality_percent: f64,
    /// Findings counted but not kept in `findings`, because a limit was set.
    pub findings_not_kept: u64,
    pub findings: Vec<Finding>,
}

/// A file being checked row by row; cross-record checks run as rows arrive and at [`FileCheck::finish`].
pub struct FileCheck<'c> {
    v: &'c Validator<'c>,
    own: OwnChecks<'c>,
    findings: Vec<Finding>,
    rows: u64,
    /// Per row: bit 0 an error, bit 1 a warning. One byte a row keeps percentages exact when a
    /// finding about a row arrives late (overlapping episodes are found at the end).
    row_flags: Vec<u8>,
    counts: [u64; 3],
    keep: usize,
    not_kept: u64,
    header_errors: bool,
    /// For each rule, whether it found something on the row before, and on this row: the
    /// cross-record rules' share of [`Repeat`] (the row's own rules keep theirs in `own`).
    cross_found: Vec<bool>,
    cross_found_now: Vec<bool>,
    /// The current row's keys (see [`Validator::row_keys`]; reused from row to row).
    keys: Vec<Option<Key>>,
    /// Threads for the rows' own checks when reading a file (0: all on the reading thread),
    /// and rows handed to a thread at a time.
    threads: usize,
    batch_rows: usize,
    sink: Option<Sink<'c>>,
    /// Duplicate keys: rows of a client come together, so each key is looked for among the
    /// current client's rows (a small map in cache) and every key is also logged, to be sorted
    /// at the end for the rare duplicate across two separate blocks of one client. A big map
    /// probed on every row was the slowest step (a cache miss per row).
    block_keys: BlockKeys,
    /// Each row's key, client block, row index and line.
    all_keys: Vec<(Key, u32, u32, u64)>,
    /// A number for each run of rows of one client.
    block: u32,
    /// For each attributor rule, and each consistency rule: the map in `kept` of its key's
    /// first rows, and its slot there.
    attributors: Vec<(usize, usize)>,
    consistent: Vec<(usize, usize)>,
    /// First rows by key, one map per set of key columns, shared by the rules keyed by them.
    kept: Vec<KeptMap>,
    /// For each overlap rule: the first row of each run of rows of an episode.
    episodes: Vec<Vec<EpisodeSeen>>,
    /// For each client-has rule: each run of rows of a client, and whether one held the record.
    outcome_clients: Vec<Vec<ClientSeen>>,
    /// For each overdue rule: every consenting row of an episode, with the dates it reads.
    timed: Vec<TimedRows>,
    arena: Arena,
    /// The client's key on the row before, and each overlap rule's last episode.
    last_client: Option<Key>,
    last_episode: Vec<Option<Key>>,
    previous: Option<&'c HashMap<String, Vec<String>>>,
    /// The client of each run of rows, counted (distinct) at the end.
    clients: Vec<Key>,
    scratch: Vec<Finding>,
}
