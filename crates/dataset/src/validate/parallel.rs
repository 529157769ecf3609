//! The parallel reader: blocks of lines read and checked on worker threads, cross-record checks in
//! file order.

use super::*;

/// Rows read from a file, copied out of the reader's buffers to be checked on another thread.
#[derive(Debug, Default)]
pub(super) struct Batch {
    pub(super) text: String,
    pub(super) ends: Vec<u32>,
    pub(super) rows: Vec<BatchRow>,
}

/// Where a row of a [`Batch`] ends in its text and ends, and what the reader knew of it.
#[derive(Debug, Clone, Copy)]
pub(super) struct BatchRow {
    pub(super) text_end: usize,
    pub(super) ends_end: usize,
    pub(super) line: u64,
    pub(super) separated: bool,
    pub(super) quoted: bool,
    pub(super) trimmed: bool,
}

impl Batch {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.rows.clear();
    }

    pub(super) fn push(&mut self, row: &Row<'_>) {
        self.text.push_str(row.text);
        self.ends.extend_from_slice(row.ends);
        self.rows.push(BatchRow {
            text_end: self.text.len(),
            ends_end: self.ends.len(),
            line: row.line,
            separated: row.separated,
            quoted: row.quoted,
            trimmed: row.trimmed,
        });
    }

    pub(super) fn row(&self, k: usize) -> Row<'_> {
        let r = self.rows[k];
        let (text_start, ends_start) = match k.checked_sub(1) {
            None => (0, 0),
            Some(p) => (self.rows[p].text_end, self.rows[p].ends_end),
        };
        Row {
            text: &self.text[text_start..r.text_end],
            ends: &self.ends[ends_start..r.ends_end],
            line: r.line,
            separated: r.separated,
            quoted: r.quoted,
            trimmed: r.trimmed,
        }
    }
}

/// Work for a worker thread: rows already split, or lines of a file to read into rows first.
#[derive(Debug, Default)]
pub(super) struct Work {
    pub(super) batch: Batch,
    /// Whole lines as written in the file (empty when the batch came split), from line `line`.
    pub(super) lines: Vec<u8>,
    pub(super) line: u64,
}

impl Work {
    pub(super) fn clear(&mut self) {
        self.batch.clear();
        self.lines.clear();
    }

    pub(super) fn is_empty(&self) -> bool {
        self.batch.rows.is_empty() && self.lines.is_empty()
    }

    /// The own checks of the batch's rows; lines, if any, are read into the batch first (with
    /// `reader`, kept from batch to batch for its buffers), each row checked as it is read,
    /// while it is in the cache. The lines are kept, to be read again should this fail.
    pub(super) fn check(
        &mut self,
        reader: &mut RowReader<std::io::Empty>,
        own: &mut OwnChecks<'_>,
    ) -> Result<Checked, ValidationError> {
        if self.lines.is_empty() {
            return Ok(own.check_batch(&self.batch));
        }
        own.before.valid = false;
        let mut checked = Checked::default();
        reader.read_in_place(std::mem::take(&mut self.lines), self.line);
        let mut read = Ok(());
        loop {
            match reader.next_row() {
                Ok(Some(row)) => {
                    self.batch.push(&row);
                    own.check_into(&row, &mut checked);
                }
                Ok(None) => break,
                Err(e) => {
                    read = Err(e);
                    break;
                }
            }
        }
        self.lines = reader.give_back();
        read.map(|()| checked)
    }
}

/// How a read on worker threads ended.
#[derive(Debug)]
pub(super) enum ReadEnd {
    /// Every row was read and checked; whether there was one.
    Done(bool),
    /// A worker could not read the block starting on `line`: the bytes from there on, none of
    /// them checked yet, and whether any row before them was.
    Stopped {
        unread: Vec<u8>,
        line: u64,
        any: bool,
    },
}

/// What a batch's own checks found: each row's findings in order (`counts[k]` of them for
/// row `k`), its runs written as on the row before, and its keys.
#[derive(Debug, Default)]
pub(super) struct Checked {
    pub(super) same: Vec<Option<u64>>,
    /// Each row's keys (see [`Validator::row_keys`]), as many per row.
    pub(super) keys: Vec<Option<Key>>,
    pub(super) findings: Vec<Finding>,
    pub(super) counts: Vec<u32>,
}

impl<'c> FileCheck<'c> {
    /// Hands the rows' own checks to worker threads in batches (each call of `fill` fills one
    /// with rows, or with lines for the worker to read into rows, and says whether it was the
    /// last) and runs the cross-record checks here, in file order. Stops at a block of lines a
    /// worker could not read, handing back the bytes from there on.
    pub(super) fn read_in_parallel(
        &mut self,
        mut fill: impl FnMut(&mut Work, usize) -> Result<bool, ValidationError>,
    ) -> Result<ReadEnd, ValidationError> {
        use std::sync::mpsc;
        type Done = (
            usize,
            Work,
            std::thread::Result<Result<Checked, ValidationError>>,
        );
        let (threads, per_batch) = (self.threads.max(1), self.batch_rows);
        let template = self.own.fresh();
        let per_row = self.v.keys_per_row();
        std::thread::scope(|s| {
            let (done_tx, done_rx) = mpsc::channel::<Done>();
            let mut workers = Vec::with_capacity(threads);
            for _ in 0..threads {
                let (tx, rx) = mpsc::channel::<(usize, Work)>();
                let done = done_tx.clone();
                let mut own = template.fresh();
                let mut reader = RowReader::new(std::io::empty());
                s.spawn(move || {
                    for (i, mut work) in rx {
                        // A panic is handed back to the reading thread, which would otherwise
                        // wait for this batch for ever.
                        let checked =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                work.check(&mut reader, &mut own)
                            }));
                        let failed = checked.is_err();
                        if done.send((i, work, checked)).is_err() || failed {
                            break;
                        }
                    }
                });
                workers.push(tx);
            }
            drop(done_tx);
            // This thread checks batches of its own too, rather than wait for a worker's.
            let mut own = template.fresh();
            let mut reader = RowReader::new(std::io::empty());
            let (mut sent, mut next, mut any, mut last) = (0, 0, false, false);
            // Batches with the workers, and all not yet cross-checked (a bound on memory).
            let (mut with_workers, most) = (0, 8 * threads);
            let mut pending = std::collections::BTreeMap::new();
            let mut spare: Vec<Work> = Vec::new();
            let mut out = Vec::new();
            let unwrap = |(i, work, checked): Done| {
                (
                    i,
                    work,
                    checked.unwrap_or_else(|p| std::panic::resume_unwind(p)),
                )
            };
            // The next batch a worker hands back, put with the others waiting their turn.
            let receive = |pending: &mut std::collections::BTreeMap<_, _>| {
                let Ok(done) = done_rx.recv() else {
                    unreachable!("a worker ended without handing back its batch");
                };
                let (i, work, checked) = unwrap(done);
                pending.insert(i, (work, checked));
            };
            // The file's next block, in a spare batch when there is one; and whether it was
            // the last.
            let mut next_block = |spare: &mut Vec<Work>| -> Result<(Work, bool), ValidationError> {
                let mut work = spare.pop().unwrap_or_default();
                work.clear();
                let last = fill(&mut work, per_batch)?;
                Ok((work, last))
            };
            loop {
                // Each worker kept two batches ahead.
                while !last && with_workers < 2 * threads && sent - next < most {
                    let work;
                    (work, last) = next_block(&mut spare)?;
                    if !work.is_empty() {
                        // A worker gone means it panicked; its panic arrives below.
                        let _ = workers[sent % threads].send((sent, work));
                        sent += 1;
                        with_workers += 1;
                    }
                }
                while let Ok(done) = done_rx.try_recv() {
                    let (i, work, checked) = unwrap(done);
                    pending.insert(i, (work, checked));
                    with_workers -= 1;
                }
                if !pending.contains_key(&next) {
                    if last && next == sent {
                        return Ok(ReadEnd::Done(any));
                    }
                    if !last && sent - next < most {
                        // The next batch in file order is still with a worker: check the
                        // file's next block here meanwhile.
                        let mut work;
                        (work, last) = next_block(&mut spare)?;
                        if !work.is_empty() {
                            let checked = work.check(&mut reader, &mut own);
                            pending.insert(sent, (work, checked));
                            sent += 1;
                        }
                    } else {
                        receive(&mut pending);
                        with_workers -= 1;
                    }
                    continue;
                }
                while let Some((work, checked)) = pending.remove(&next) {
                    let Ok(checked) = checked else {
                        // Everything from this block on goes back unread, in order.
                        let line = work.line;
                        let mut unread = work.lines;
                        for k in next + 1..sent {
                            while !pending.contains_key(&k) {
                                receive(&mut pending);
                            }
                            if let Some((work, _)) = pending.remove(&k) {
                                unread.extend_from_slice(&work.lines);
                            }
                        }
                        return Ok(ReadEnd::Stopped { unread, line, any });
                    };
                    let batch = &work.batch;
                    any |= !batch.rows.is_empty();
                    self.warm(&checked.keys);
                    let mut found = checked.findings.into_iter();
                    for (k, same) in checked.same.into_iter().enumerate() {
                        let row = batch.row(k);
                        out.clear();
                        out.extend(found.by_ref().take(checked.counts[k] as usize));
                        let keys = &checked.keys[k * per_row..(k + 1) * per_row];
                        self.cross_row(&row, same, false, keys, &mut out);
                    }
                    spare.push(work);
                    next += 1;
                }
            }
        })
    }
}
