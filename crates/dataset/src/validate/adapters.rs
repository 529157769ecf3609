//! Row adapters: one record's values by catalogue column, from a slice, a row of a file read in
//! place, or one value typed.

use super::*;

impl Record for [String] {
    fn value(&self, column: usize) -> &str {
        self.get(column).map_or("", String::as_str)
    }
}

impl Record for Vec<String> {
    fn value(&self, column: usize) -> &str {
        self.as_slice().value(column)
    }
}

impl Record for [&str] {
    fn value(&self, column: usize) -> &str {
        self.get(column).copied().unwrap_or("")
    }
}

/// A row of a file: each value as its place in the row's text, found and trimmed once (the
/// rules read many values more than once) into a buffer reused from row to row.
pub(super) struct RowValues<'a> {
    pub(super) text: &'a str,
    pub(super) spans: &'a [(u32, u32)],
    /// Which values are filled, 64 a word.
    pub(super) filled: &'a [u64],
}

impl<'a> RowValues<'a> {
    pub(super) fn of(row: &Row<'a>, values: &'a Values) -> Self {
        Self {
            text: row.text,
            spans: &values.spans,
            filled: &values.filled,
        }
    }
}

/// A row's values as places in its text, trimmed, and which are filled: worked out once a row
/// into buffers reused from row to row.
#[derive(Debug, Default)]
pub(super) struct Values {
    pub(super) spans: Vec<(u32, u32)>,
    pub(super) filled: Vec<u64>,
}

impl Record for RowValues<'_> {
    fn value(&self, column: usize) -> &str {
        self.spans
            .get(column)
            .and_then(|&(s, e)| self.text.get(s as usize..e as usize))
            .unwrap_or("")
    }

    /// Values are trimmed as the row is read.
    fn field(&self, column: usize) -> &str {
        self.value(column)
    }

    /// Known from the value's place alone, without slicing the text.
    fn is_blank(&self, column: usize) -> bool {
        self.spans.get(column).is_none_or(|&(s, e)| s == e)
    }

    fn bytes(&self, column: usize) -> &[u8] {
        self.spans
            .get(column)
            .and_then(|&(s, e)| self.text.as_bytes().get(s as usize..e as usize))
            .unwrap_or_default()
    }

    /// Read off the bits worked out with the row's places.
    fn filled(&self, lo: usize, hi: usize) -> u64 {
        let word = |i: usize| self.filled.get(i).copied().unwrap_or(0);
        let (w, shift) = (lo / 64, lo % 64);
        let bits = match shift {
            0 => word(w),
            s => word(w) >> s | word(w + 1) << (64 - s),
        };
        match hi - lo {
            64.. => bits,
            n => bits & ((1 << n) - 1),
        }
    }
}

/// A row of a file read value by value where asked, trimmed: for checks that read a few
/// values of a row, which need not find them all first.
pub(super) struct RowAsRead<'a> {
    pub(super) row: &'a Row<'a>,
    /// For each catalogue column its place in the row, unless the row is in catalogue order.
    pub(super) map: Option<&'a [Option<usize>]>,
}

impl Record for RowAsRead<'_> {
    fn value(&self, column: usize) -> &str {
        let i = match self.map {
            None => Some(column),
            Some(map) => map.get(column).copied().flatten(),
        };
        let v = i.and_then(|i| self.row.get(i)).unwrap_or("");
        if self.row.trimmed { v } else { v.trim_ascii() }
    }

    /// Values are trimmed as they are read.
    fn field(&self, column: usize) -> &str {
        self.value(column)
    }
}

/// The place of `text[start..end]` without surrounding ASCII white space.
pub(super) fn trimmed(text: &[u8], mut start: usize, mut end: usize) -> (u32, u32) {
    while start < end && text[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && text[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    (start as u32, end as u32)
}

/// A record of one value, for checking a field as it is typed without building a whole row.
pub(super) struct OneValue<'a> {
    pub(super) column: usize,
    pub(super) value: &'a str,
}

impl Record for OneValue<'_> {
    fn value(&self, column: usize) -> &str {
        if column == self.column {
            self.value
        } else {
            ""
        }
    }
}
