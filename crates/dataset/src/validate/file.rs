//! The file check: `FileCheck` fed row by row or from a CSV file, its findings kept, capped or
//! streamed, and the totals.

use super::*;

impl<'c> Validator<'c> {
    /// Starts a check of a whole file whose header row is `headers`.
    pub fn file<'h>(&'c self, headers: impl IntoIterator<Item = &'h str>) -> FileCheck<'c> {
        FileCheck::new(self, headers.into_iter().map(str::to_owned).collect())
    }

    /// Reads and checks a CSV file, streaming in bounded memory: what grows is the per-client
    /// state of the cross-record checks and the findings kept (see [`FileCheck::keep_at_most`]).
    pub fn check_csv(&'c self, reader: impl Read) -> Result<FileReport, ValidationError> {
        self.check_csv_with(reader, |c| c)
    }

    /// As [`Validator::check_csv`], letting the caller set up the check once the header is read
    /// (previous attributors, a finding sink, a limit on findings kept).
    pub fn check_csv_with(
        &'c self,
        reader: impl Read,
        setup: impl FnOnce(FileCheck<'c>) -> FileCheck<'c>,
    ) -> Result<FileReport, ValidationError> {
        let mut rows = RowReader::new(reader);
        let mut check = match rows.next_row()? {
            None => return Err(ValidationError::Empty),
            Some(header) => setup(
                self.file(
                    (0..header.len())
                        .filter_map(|i| header.get(i))
                        .map(str::trim),
                ),
            ),
        };
        let any = if check.threads > 0 {
            // The workers split the lines into rows too: the reading thread only cuts the file
            // into blocks of lines, which keeps it from being the one all others wait on.
            let mut blocks = LineBlocks::after(rows);
            let mut too_long = false;
            let end = check.read_in_parallel(|work, lines| {
                Ok(match blocks.next_block(lines, &mut work.lines)? {
                    Block::Lines(line) => {
                        work.line = line;
                        false
                    }
                    Block::End => true,
                    Block::TooLong => {
                        too_long = true;
                        true
                    }
                })
            })?;
            let (mut unread, line, mut any) = match end {
                ReadEnd::Done(any) if !too_long => return check.finish_read(any),
                ReadEnd::Done(any) => (Vec::new(), None, any),
                ReadEnd::Stopped { unread, line, any } => (unread, Some(line), any),
            };
            // A block a worker could not read, or a line too long to cut: one reader reads on
            // from there, so the error is reported exactly as a one-reader pass reports it.
            let (rest, src, rest_line) = blocks.into_rest();
            unread.extend_from_slice(&rest);
            let mut rows = RowReader::from_line(
                std::io::Cursor::new(unread).chain(src),
                line.unwrap_or(rest_line),
            );
            while let Some(row) = rows.next_row()? {
                any = true;
                check.row_of(&row);
            }
            any
        } else {
            let mut any = false;
            while let Some(row) = rows.next_row()? {
                any = true;
                check.row_of(&row);
            }
            any
        };
        check.finish_read(any)
    }
}

/// Where findings go as they are found (a streamed report).
pub(super) type Sink<'c> = Box<dyn FnMut(&Finding) + 'c>;

impl std::fmt::Debug for FileCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileCheck")
            .field("rows", &self.rows)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl<'c> FileCheck<'c> {
    pub(super) fn new(v: &'c Validator<'c>, headers: Vec<String>) -> Self {
        let mut header_findings = Vec::new();
        let mut map = vec![None; v.cat.fields.len()];
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let empty: [&str; 0] = [];
        for (i, h) in headers.iter().enumerate() {
            if seen.insert(h.as_str(), i).is_some() {
                for b in v.bound(RuleKind::HeaderDuplicate) {
                    let mut f = v.finding(v.rule(b), &empty[..], Some(1), None, h, "", "");
                    f.field.clone_from(h);
                    f.message = render(&v.rule(b).message, &[("{field}", h)]);
                    header_findings.push(f);
                }
                continue;
            }
            match v.cat.column(h) {
                Some(c) => map[c] = Some(i),
                None => {
                    for b in v.bound(RuleKind::HeaderExtra) {
                        let mut f = v.finding(v.rule(b), &empty[..], Some(1), None, h, "", "");
                        f.field.clone_from(h);
                        f.message = render(&v.rule(b).message, &[("{field}", h)]);
                        header_findings.push(f);
                    }
                }
            }
        }
        for (c, _) in map.iter().enumerate().filter(|(_, m)| m.is_none()) {
            for b in v.bound(RuleKind::HeaderMissing) {
                header_findings.push(v.finding(
                    v.rule(b),
                    &empty[..],
                    Some(1),
                    Some(c),
                    "",
                    "",
                    "",
                ));
            }
        }
        let n = |k: RuleKind| v.bound(k).len();
        // Rules keyed by the same columns (the attributors' client id, a consistency rule's
        // key) share a map of first rows, a slot each.
        let mut keyed_by: Vec<(Vec<usize>, usize)> = Vec::new();
        let mut place = |cols: &[usize]| match keyed_by.iter().position(|(c, _)| c == cols) {
            Some(m) => {
                keyed_by[m].1 += 1;
                (m, keyed_by[m].1 - 1)
            }
            None => {
                keyed_by.push((cols.to_vec(), 1));
                (keyed_by.len() - 1, 0)
            }
        };
        let attributors: Vec<(usize, usize)> = v
            .bound(RuleKind::Attributors)
            .iter()
            .map(|_| place(v.client_col.as_slice()))
            .collect();
        let consistent: Vec<(usize, usize)> = v
            .bound(RuleKind::Consistent)
            .iter()
            .map(|b| place(&b.cols))
            .collect();
        let kept: Vec<KeptMap> = keyed_by
            .iter()
            .map(|&(_, slots)| KeptMap::new(slots))
            .collect();
        let in_order = map.iter().enumerate().all(|(c, m)| *m == Some(c));
        let mut check = Self {
            v,
            own: OwnChecks {
                v,
                map,
                width: headers.len(),
                in_order,
                values: Values::default(),
                before: RowBefore::default(),
            },
            findings: Vec::new(),
            rows: 0,
            row_flags: Vec::new(),
            counts: [0; 3],
            keep: usize::MAX,
            not_kept: 0,
            header_errors: false,
            cross_found: Vec::new(),
            cross_found_now: Vec::new(),
            keys: Vec::new(),
            threads: std::thread::available_parallelism()
                .map_or(0, |n| if n.get() > 1 { n.get().min(8) } else { 0 }),
            batch_rows: 256,
            sink: None,
            block_keys: BlockKeys::default(),
            all_keys: Vec::new(),
            block: 0,
            attributors,
            consistent,
            kept,
            episodes: vec![Vec::new(); n(RuleKind::EpisodeOverlap)],
            outcome_clients: vec![Vec::new(); n(RuleKind::ClientHas)],
            timed: (0..n(RuleKind::Overdue))
                .map(|_| TimedRows::default())
                .collect(),
            arena: Arena::default(),
            last_client: None,
            last_episode: vec![None; n(RuleKind::EpisodeOverlap)],
            previous: None,
            clients: Vec::new(),
            scratch: Vec::new(),
        };
        for f in header_findings {
            check.take(f, None);
        }
        check
    }

    /// Attributors last transferred, by client id, in the order of the attributor-change rule's fields.
    pub fn with_previous_attributors(mut self, previous: &'c HashMap<String, Vec<String>>) -> Self {
        self.previous = Some(previous);
        self
    }

    /// Keeps at most `n` findings in the report; the rest are still counted (and still reach
    /// the sink), so memory stays bounded however bad the file is.
    pub fn keep_at_most(mut self, n: usize) -> Self {
        self.keep = n;
        let extra = self.findings.len().saturating_sub(n);
        self.findings.truncate(n);
        self.not_kept += extra as u64;
        self
    }

    /// Hands every finding, as it is found, to `sink` (to stream a report of any size).
    pub fn with_sink(mut self, mut sink: impl FnMut(&Finding) + 'c) -> Self {
        for f in &self.findings {
            sink(f);
        }
        self.sink = Some(Box::new(sink));
        self
    }

    pub(super) fn take(&mut self, f: Finding, row: Option<usize>) {
        let (slot, bit) = match f.severity {
            Severity::Error => (0, 1),
            Severity::Warning => (1, 2),
            Severity::Mismatch => (2, 0),
        };
        self.counts[slot] += 1;
        self.header_errors |= row.is_none() && f.line == Some(1) && f.severity == Severity::Error;
        if let Some(flag) = row.and_then(|r| self.row_flags.get_mut(r)) {
            *flag |= bit;
        }
        if let Some(sink) = self.sink.as_mut() {
            sink(&f);
        }
        if self.findings.len() < self.keep {
            self.findings.push(f);
        } else {
            self.not_kept += 1;
        }
    }

    /// Checks one row given in the file's own column order.
    pub fn row(&mut self, values: &[&str], line: u64) {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(values.len());
        for v in values {
            text.push_str(v);
            ends.push(text.len() as u32);
        }
        self.row_of(&Row::packed(&text, &ends, line));
    }

    /// Checks every row of `rows` in order, as [`FileCheck::row_of`] would one by one, but on
    /// worker threads when the check has them (see [`FileCheck::threads`]).
    pub fn rows_of<'r>(&mut self, rows: impl IntoIterator<Item = Row<'r>>) {
        if self.threads == 0 {
            rows.into_iter().for_each(|row| self.row_of(&row));
            return;
        }
        let mut rows = rows.into_iter();
        let read = self.read_in_parallel(|work, per_batch| {
            while work.batch.rows.len() < per_batch {
                let Some(row) = rows.next() else {
                    return Ok(true);
                };
                work.batch.push(&row);
            }
            Ok(false)
        });
        // Rows handed over are already read: nothing here can fail to be read.
        debug_assert!(matches!(read, Ok(ReadEnd::Done(_))));
    }

    /// Checks one row as read from a file.
    pub fn row_of(&mut self, row: &Row<'_>) {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        let same = self.own.check_keyed(row, &mut out, &mut keys);
        self.cross_row(row, same, true, &keys, &mut out);
        self.keys = keys;
        self.scratch = out;
    }

    /// Splits the rows' own checks (fields and record rules) over `threads` threads besides
    /// the reading one, `batch_rows` rows at a time, when a file is read with
    /// [`Validator::check_csv_with`] or rows are handed over with [`FileCheck::rows_of`]; 0
    /// threads keeps all on the reading thread. The findings
    /// are the same and in the same order either way. The default is one thread per core
    /// when there is more than one core.
    pub fn threads(mut self, threads: usize, batch_rows: usize) -> Self {
        // More threads than this only wait on the reading thread.
        self.threads = threads.min(64);
        self.batch_rows = batch_rows.max(1);
        self
    }

    /// The report of a file that had rows (`any`), or the error of one that had none.
    pub(super) fn finish_read(self, any: bool) -> Result<FileReport, ValidationError> {
        if !any {
            return Err(ValidationError::HeaderOnly);
        }
        Ok(self.finish())
    }

    /// Runs the checks that need every row, and totals the report.
    pub fn finish(mut self) -> FileReport {
        let v = self.v;
        let mut found = Vec::new();
        // One entry per block of rows of a client, so a client seen in two blocks shows as a
        // repeat here.
        let blocks = self.clients.len();
        self.clients.sort_unstable();
        self.clients.dedup();
        let one_block_each = self.clients.len() == blocks && blocks as u64 == u64::from(self.block);
        for (i, b) in v.bound(RuleKind::EpisodeOverlap).iter().enumerate() {
            let rule = v.rule(b);
            let list = std::mem::take(&mut self.episodes[i]);
            for (later, earlier) in overlapping_episodes(list, one_block_each) {
                let arena = &self.arena;
                let mut f = Finding {
                    rule: rule.id.clone(),
                    severity: rule.severity,
                    line: Some(later.line),
                    client_id: arena.get(later.client_text).to_owned(),
                    episode_id: arena.get(later.id_text).to_owned(),
                    child_id: String::new(),
                    field: b
                        .cols
                        .get(2)
                        .map(|&c| v.cat.fields[c].header.clone())
                        .unwrap_or_default(),
                    value: String::new(),
                    message: String::new(),
                    fix: rule.fix.clone(),
                };
                f.message = render(
                    &rule.message,
                    &[
                        ("{detail}", arena.get(earlier.id_text)),
                        ("{other}", &earlier.line.to_string()),
                    ],
                );
                found.push((f, later.row));
            }
        }
        // Duplicates across separate blocks of one client: the key log, sorted. Needless (and
        // the slowest step at the end) when no client came back after another's rows.
        if let Some(b) = v.bound(RuleKind::DuplicateKey).first()
            && !one_block_each
        {
            let mut log = std::mem::take(&mut self.all_keys);
            log.sort_unstable_by_key(|&(k, _, _, line)| (k, line));
            for run in log.chunk_by(|a, b| a.0 == b.0) {
                let (_, first_block, _, first_line) = run[0];
                for &(_, block, row, line) in &run[1..] {
                    if block == first_block {
                        continue; // reported as the row was read
                    }
                    let rule = v.rule(b);
                    let field = b.cols.first().map(|&c| &v.cat.fields[c].header);
                    let subs = [
                        ("{field}", field.map_or("", String::as_str)),
                        ("{other}", &first_line.to_string()),
                    ];
                    let f = Finding {
                        rule: rule.id.clone(),
                        severity: rule.severity,
                        line: Some(line),
                        client_id: String::new(),
                        episode_id: String::new(),
                        child_id: String::new(),
                        field: field.cloned().unwrap_or_default(),
                        value: String::new(),
                        message: render(&rule.message, &subs),
                        fix: render(&rule.fix, &subs),
                    };
                    found.push((f, row as usize));
                }
            }
        }
        self.outcome_findings(&mut found);
        found.sort_by_key(|(f, _)| f.line);
        for (f, row) in found {
            self.take(f, Some(row));
        }
        let flagged = |mask: u8| self.row_flags.iter().filter(|&&b| b & mask != 0).count() as u64;
        let (bad, warned, either) = (flagged(1), flagged(2), flagged(3));
        let pct = |n: u64| {
            if self.rows == 0 {
                100.0
            } else {
                100.0 * (self.rows - n.min(self.rows)) as f64 / self.rows as f64
            }
        };
        let header_errors = self.header_errors;
        FileReport {
            rows: self.rows,
            clients: self.clients.len() as u64,
            errors: self.counts[0],
            warnings: self.counts[1],
            mismatches: self.counts[2],
            rows_with_errors: bad,
            rows_with_warnings: warned,
            rows_with_errors_or_warnings: either,
            load_percent: if header_errors { 0.0 } else { pct(bad) },
            data_quality_percent: if header_errors { 0.0 } else { pct(either) },
            findings_not_kept: self.not_kept,
            findings: self.findings,
        }
    }
}
