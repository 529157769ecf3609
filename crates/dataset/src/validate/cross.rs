//! Cross-record checks: duplicate keys, attributors and consistency across a client's rows,
//! overlapping episodes.

use super::*;

impl<'c> Validator<'c> {
    /// The keys a row's cross-record checks look up, worked out from the row alone (on a
    /// worker thread when a file is read in parallel), [`Validator::keys_per_row`] of them in
    /// this order: each duplicate-key rule's record key; the client's; each consistency rule's
    /// (None when one of its key values is blank); each episode-overlap rule's client and
    /// episode, then each overdue rule's (None when either is blank; the same columns are
    /// hashed once).
    pub(super) fn row_keys<'s>(
        &'s self,
        rec: &(impl Record + ?Sized),
        keys: &mut Vec<Option<Key>>,
    ) {
        // Several rules key by the same columns (the client; the client and episode): each
        // key is worked out once a row.
        let mut made: [(&[usize], Key); 8] = [(&[], Key::default()); 8];
        let mut n = 0;
        let mut key = |cols: &'s [usize]| {
            if let Some(&(_, k)) = made[..n].iter().find(|(c, _)| *c == cols) {
                return k;
            }
            let k = key_of_cols(rec, cols);
            if let Some(slot) = made.get_mut(n) {
                *slot = (cols, k);
                n += 1;
            }
            k
        };
        let dup = self.bound(RuleKind::DuplicateKey);
        keys.extend(dup.iter().map(|b| Some(key(&b.cols))));
        keys.push(Some(key(self.client_col.as_slice())));
        let mut of =
            |cols: &'s [usize]| (!cols.iter().any(|&c| rec.is_blank(c))).then(|| key(cols));
        keys.extend(self.bound(RuleKind::Consistent).iter().map(|b| of(&b.cols)));
        keys.extend(
            self.bound(RuleKind::EpisodeOverlap)
                .iter()
                .chain(self.bound(RuleKind::Overdue))
                .map(|b| b.cols.get(..2).and_then(&mut of)),
        );
    }

    pub(super) fn keys_per_row(&self) -> usize {
        let n = |k: RuleKind| self.bound(k).len();
        n(RuleKind::DuplicateKey)
            + 1
            + n(RuleKind::Consistent)
            + n(RuleKind::EpisodeOverlap)
            + n(RuleKind::Overdue)
    }

    /// A row's keys as laid out by [`Validator::row_keys`], by what they are for.
    pub(super) fn split_keys<'k>(&self, keys: &'k [Option<Key>]) -> RowKeys<'k> {
        let (duplicate, rest) = keys.split_at(self.bound(RuleKind::DuplicateKey).len());
        let (consistent, rest) = rest[1..].split_at(self.bound(RuleKind::Consistent).len());
        let (episodes, overdue) = rest.split_at(self.bound(RuleKind::EpisodeOverlap).len());
        RowKeys {
            duplicate,
            client: keys[duplicate.len()].unwrap_or_default(),
            consistent,
            episodes,
            overdue,
        }
    }
}

/// Per-episode facts kept for the overlap check, logged once per run of rows of an episode and
/// sorted at the end (no hashed lookup per episode: each one was a cache miss on a big file).
#[derive(Debug, Clone, Copy)]
pub(super) struct EpisodeSeen {
    pub(super) client: Key,
    pub(super) pair: Key,
    pub(super) client_text: u32,
    pub(super) id_text: u32,
    pub(super) line: u64,
    pub(super) row: usize,
    pub(super) start: Option<NaiveDate>,
    pub(super) end: Option<NaiveDate>,
}

/// Each episode that starts before an earlier-starting episode of the same client ends, with
/// that earlier episode: each episode taken once (at its first row), client by client,
/// episodes by start. When every client's rows came together (`grouped`), the list already
/// holds each client's episodes side by side, in file order: only each client's few are
/// sorted, and no large sort holds up the end of the check. Clients come in a different order
/// then, which the report never shows: its findings are put in line order, and findings on
/// one line are of one client.
pub(super) fn overlapping_episodes(
    mut list: Vec<EpisodeSeen>,
    grouped: bool,
) -> Vec<(EpisodeSeen, EpisodeSeen)> {
    let mut found = Vec::new();
    let client = |block: &mut [EpisodeSeen], found: &mut Vec<(EpisodeSeen, EpisodeSeen)>| {
        block.sort_unstable_by_key(|e| (e.pair, e.line));
        let mut seen: Vec<EpisodeSeen> = Vec::new();
        for e in block.iter() {
            if seen.last().is_none_or(|s| s.pair != e.pair) {
                seen.push(*e);
            }
        }
        seen.retain(|e| e.start.is_some());
        seen.sort_unstable_by_key(|e| (e.start, e.line));
        for (k, later) in seen.iter().enumerate() {
            if let Some(earlier) = seen[..k]
                .iter()
                .find(|e| e.end.is_none_or(|end| end > later.start.unwrap_or(end)))
            {
                found.push((*later, *earlier));
            }
        }
    };
    if !grouped {
        list.sort_unstable_by_key(|e| (e.client, e.pair, e.line));
    }
    for block in list.chunk_by_mut(|a, b| a.client == b.client) {
        client(block, &mut found);
    }
    found
}

impl<'c> FileCheck<'c> {
    /// The rest of a row's check once its own checks are done (`out` holds their findings and
    /// `same` their runs written as on the row before; None for a row of the wrong width):
    /// the cross-record checks, then the row's findings are counted and passed on.
    pub(super) fn cross_row(
        &mut self,
        row: &Row<'_>,
        same: Option<u64>,
        values_ready: bool,
        keys: &[Option<Key>],
        out: &mut Vec<Finding>,
    ) {
        self.rows += 1;
        if let Some(same) = same {
            let raw_row = self.own.raw(row);
            if values_ready {
                let values = std::mem::take(&mut self.own.values);
                let rec = RowValues::of(row, &values);
                self.cross_checks(&rec, raw_row, row.line, same, keys, out);
                self.own.values = values;
            } else {
                // The cross-record checks read a few values: found as read, not all first.
                let plain = self.own.plain(row);
                let map = std::mem::take(&mut self.own.map);
                let rec = RowAsRead {
                    row,
                    map: (!plain).then_some(map.as_slice()),
                };
                self.cross_checks(&rec, raw_row, row.line, same, keys, out);
                self.own.map = map;
            }
        }
        self.row_flags.push(0);
        let row_index = self.row_flags.len() - 1;
        for f in out.drain(..) {
            self.take(f, Some(row_index));
        }
    }

    /// The cross-record checks of a row, with [`Repeat`] kept for its rules from row to row.
    pub(super) fn cross_checks(
        &mut self,
        rec: &(impl Record + ?Sized),
        raw_row: Option<&Row<'_>>,
        line: u64,
        same: u64,
        keys: &[Option<Key>],
        out: &mut Vec<Finding>,
    ) {
        let mut found_now = std::mem::take(&mut self.cross_found_now);
        found_now.clear();
        found_now.resize(self.v.cat.rules.len(), false);
        let found_before = std::mem::take(&mut self.cross_found);
        let mut repeat = Repeat {
            same,
            found_before: &found_before,
            found_now: &mut found_now,
        };
        self.cross_record(rec, raw_row, line, &mut repeat, keys, out);
        self.cross_found = found_now;
        self.cross_found_now = found_before;
    }

    /// Brings into the cache the first-row table slots a batch's rows will look up (`keys`
    /// holds [`Validator::keys_per_row`] keys a row): on a big file nearly every new client or
    /// episode is a cache miss, and taken together the misses overlap.
    pub(super) fn warm(&self, keys: &[Option<Key>]) {
        let v = self.v;
        let mut any = 0;
        for row in keys.chunks_exact(v.keys_per_row()) {
            let keys = v.split_keys(row);
            if let Some(&(m, _)) = self.attributors.first() {
                any ^= self.kept[m].map.warm(keys.client);
            }
            for (&(m, _), key) in self.consistent.iter().zip(keys.consistent) {
                if let Some(key) = key {
                    any ^= self.kept[m].map.warm(*key);
                }
            }
        }
        std::hint::black_box(any);
    }

    pub(super) fn cross_record(
        &mut self,
        rec: &(impl Record + ?Sized),
        raw_row: Option<&Row<'_>>,
        line: u64,
        repeat: &mut Repeat<'_>,
        keys: &[Option<Key>],
        out: &mut Vec<Finding>,
    ) {
        // A run of columns as written, for the first-row comparisons.
        let raw = |(lo, hi): (usize, usize)| {
            raw_row.and_then(|r| r.text.get(r.start(lo)..*r.ends.get(hi)? as usize))
        };
        let v = self.v;
        let client = v.client_col.map_or("", |c| rec.value(c));
        let keys = v.split_keys(keys);
        let client_key = keys.client;
        // Rows of a client come together, so most rows repeat the last client: no lookup then.
        let new_client = self.last_client != Some(client_key);
        self.last_client = Some(client_key);
        if new_client {
            if !client.is_empty() {
                self.clients.push(client_key);
            }
            self.block += 1;
            self.block_keys.clear();
        }
        for (b, &key) in v.bound(RuleKind::DuplicateKey).iter().zip(keys.duplicate) {
            let key = key.unwrap_or_default();
            if self.all_keys.len() < u32::MAX as usize {
                self.all_keys
                    .push((key, self.block, (self.rows - 1) as u32, line));
            }
            if let Some(first) = self.block_keys.first_line(key, line) {
                out.push(v.finding(
                    v.rule(b),
                    rec,
                    Some(line),
                    b.cols.first().copied(),
                    client,
                    "",
                    &first.to_string(),
                ));
            }
        }
        if v.is_no_consent(rec) {
            return;
        }
        // Attributor rules also read the client's id (their key), which their columns omit.
        let same_client = v.client_run.is_some_and(|bit| bit & !repeat.same == 0);
        if !client.is_empty() {
            for (i, b) in v.bound(RuleKind::Attributors).iter().enumerate() {
                if same_client && repeat.skips(b) {
                    continue;
                }
                let before = out.len();
                let span = v.attributor_spans[i];
                compare_or_keep(
                    v,
                    &mut self.kept[self.attributors[i].0],
                    self.attributors[i].1,
                    &mut self.arena,
                    client_key,
                    &b.cols,
                    span.0,
                    raw(span),
                    b,
                    rec,
                    line,
                    out,
                );
                if out.len() != before {
                    repeat.found(b);
                }
            }
        }
        if let Some(prev) = self.previous {
            for b in v.bound(RuleKind::AttributorChange) {
                if same_client && repeat.skips(b) {
                    continue;
                }
                let before = out.len();
                if let Some(old) = prev.get(client) {
                    for (k, &c) in b.cols.iter().enumerate() {
                        let now = rec.field(c);
                        if old.get(k).is_some_and(|o| o != now) {
                            out.push(v.finding(
                                v.rule(b),
                                rec,
                                Some(line),
                                Some(c),
                                now,
                                &old[k],
                                "",
                            ));
                        }
                    }
                }
                if out.len() != before {
                    repeat.found(b);
                }
            }
        }
        for (i, b) in v.bound(RuleKind::Consistent).iter().enumerate() {
            let Some(key) = keys.consistent[i] else {
                continue;
            };
            if repeat.skips(b) {
                continue;
            }
            let before = out.len();
            let span = v.consistent_spans[i];
            compare_or_keep(
                v,
                &mut self.kept[self.consistent[i].0],
                self.consistent[i].1,
                &mut self.arena,
                key,
                &v.consistent_cols[i],
                span.0,
                raw(span),
                b,
                rec,
                line,
                out,
            );
            if out.len() != before {
                repeat.found(b);
            }
        }
        if !client.is_empty() {
            self.outcome_rows(rec, client_key, client, keys.overdue, line);
        }
        for (i, b) in v.bound(RuleKind::EpisodeOverlap).iter().enumerate() {
            if let (&[cc, ec, sc, dc], Some(pair)) = (&b.cols[..], keys.episodes[i]) {
                let new = self.last_episode[i] != Some(pair);
                self.last_episode[i] = Some(pair);
                if new {
                    let (client, episode) = (rec.field(cc), rec.field(ec));
                    let client_text = self.arena.put([client, episode].into_iter());
                    self.episodes[i].push(EpisodeSeen {
                        client: client_key,
                        pair,
                        client_text,
                        id_text: client_text + 1,
                        line,
                        row: self.rows as usize - 1,
                        start: v.date(rec, sc),
                        end: v.date(rec, dc),
                    });
                }
            }
        }
    }
}
