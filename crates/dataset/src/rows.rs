//! Reads CSV rows in bounded memory, with errors that name the line and column of bad input.
//!
//! Built on `csv-core` with fixed-size buffers rather than the `csv` crate's growing records: a
//! file with an unterminated quote or no line breaks would otherwise be read whole into one
//! record. A CDS-R value never holds a line break, so a value that spans lines is reported as
//! the missing closing quote it almost always is.

use std::io::Read;

use crate::error::ValidationError;
use crate::stretch::Stretch;

/// The longest record accepted. A full CDS-R row is well under 4 KiB.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// The most values accepted in one record (the catalogue has a few hundred at most).
pub const MAX_FIELDS: usize = 4096;
const INPUT_BYTES: usize = 1 << 16;

/// One record: its text, the end of each value in it, and the line it starts on.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub text: &'a str,
    /// Where each value ends in `text` (a record is at most [`MAX_RECORD_BYTES`] long: four
    /// bytes a value, half the memory to copy and read of a `usize`).
    pub ends: &'a [u32],
    pub line: u64,
    /// `text` is the line as written: values separated by one comma each, with no quote or
    /// comma inside a value. Then a run of neighbouring values can be compared as one slice of
    /// `text` (see the validator). Otherwise values follow one another with nothing between.
    pub separated: bool,
    /// In a separated line, every value is wrapped in one pair of quotes (`"a","","b"`, as
    /// many systems write every value); `ends` then holds the places of the commas.
    pub quoted: bool,
    /// No value starts or ends with white space.
    pub trimmed: bool,
}

impl<'a> Row<'a> {
    /// A record whose values lie end to end in `text` (no separators).
    pub fn packed(text: &'a str, ends: &'a [u32], line: u64) -> Self {
        Self {
            text,
            ends,
            line,
            separated: false,
            quoted: false,
            trimmed: false,
        }
    }

    /// Where value `i` starts in `text`.
    pub fn start(&self, i: usize) -> usize {
        let quote = usize::from(self.quoted);
        match i.checked_sub(1) {
            None => quote,
            Some(p) => self.ends[p] as usize + usize::from(self.separated) + quote,
        }
    }

    /// Where value `i` ends in `text`.
    pub fn end(&self, i: usize) -> usize {
        self.ends[i] as usize - usize::from(self.quoted)
    }

    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.ends.get(i)?;
        self.text.get(self.start(i)..self.end(i))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A streaming CSV reader over any `Read`, holding at most one record and one input block.
#[derive(Debug)]
pub struct RowReader<R> {
    src: R,
    core: csv_core::Reader,
    input: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    out: Vec<u8>,
    ends: Vec<u32>,
    /// Where csv-core puts a record's ends (it writes `usize`s), before they go to `ends`.
    core_ends: Vec<usize>,
    /// How many of `ends` the last plain line filled.
    nends: usize,
    first: bool,
    done: bool,
    /// The line the reader is on, counted here: csv-core counts blank lines late.
    line: u64,
    /// The input buffer, while lines read in place stand in for it (see [`RowReader::read_in_place`]).
    spare: Vec<u8>,
}

/// One read of `src` into `buf` (0 at the end of the input), tried again when interrupted.
fn read_some(src: &mut impl Read, buf: &mut [u8]) -> Result<usize, ValidationError> {
    loop {
        match src.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            read => return read.map_err(ValidationError::Io),
        }
    }
}

fn unreadable(line: u64, column: u64, message: impl Into<String>) -> ValidationError {
    ValidationError::Unreadable {
        line,
        column,
        message: message.into(),
    }
}

impl<R: Read> RowReader<R> {
    pub fn new(src: R) -> Self {
        Self {
            src,
            core: csv_core::Reader::new(),
            input: vec![0; INPUT_BYTES],
            pos: 0,
            len: 0,
            eof: false,
            out: vec![0; 4096],
            ends: vec![0; MAX_FIELDS],
            core_ends: vec![0; MAX_FIELDS],
            nends: 0,
            first: true,
            done: false,
            line: 1,
            spare: Vec::new(),
        }
    }

    /// A reader of `src` starting on line `line` of a file (not at its start: no byte-order
    /// mark is looked for).
    pub(crate) fn from_line(src: R, line: u64) -> Self {
        let mut reader = Self::new(src);
        reader.first = false;
        reader.line = line;
        reader
    }

    /// Ready to read from the start of line `line` (not the start of a file: no byte-order
    /// mark is looked for), keeping the buffers.
    fn restart(&mut self, line: u64) {
        self.core.reset();
        self.pos = 0;
        self.len = 0;
        self.eof = false;
        self.nends = 0;
        self.first = false;
        self.done = false;
        self.line = line;
    }

    /// Reads `lines`, whole lines of a file from line `line` (not its start: no byte-order
    /// mark is looked for), as all there is to read: in place, not copied into the input
    /// buffer. [`RowReader::give_back`] returns them.
    pub(crate) fn read_in_place(&mut self, lines: Vec<u8>, line: u64) {
        self.restart(line);
        self.len = lines.len();
        self.eof = true;
        self.spare = std::mem::replace(&mut self.input, lines);
    }

    /// The lines given to [`RowReader::read_in_place`], the input buffer back in their place.
    pub(crate) fn give_back(&mut self) -> Vec<u8> {
        let lines = std::mem::replace(&mut self.input, std::mem::take(&mut self.spare));
        self.restart(self.line);
        lines
    }

    /// The bytes read from the source but not yet returned as rows, the source, and the line
    /// they start on: for reading the rest of a file in blocks of lines (see [`LineBlocks`]).
    /// Only between rows (csv-core holds no part of a record then).
    fn into_rest(self) -> (Vec<u8>, R, u64, bool) {
        let rest = if self.done {
            Vec::new()
        } else {
            self.input[self.pos..self.len].to_vec()
        };
        (rest, self.src, self.line, self.eof || self.done)
    }

    fn fill(&mut self) -> Result<(), ValidationError> {
        if self.pos < self.len || self.eof {
            return Ok(());
        }
        self.pos = 0;
        self.len = read_some(&mut self.src, &mut self.input)?;
        self.eof = self.len == 0;
        Ok(())
    }

    /// The next record, or None at the end of the input.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, ValidationError> {
        if self.done {
            return Ok(None);
        }
        self.fill()?;
        if self.first {
            self.first = false;
            if self.input[..self.len].starts_with(b"\xef\xbb\xbf") {
                return Err(unreadable(
                    1,
                    1,
                    "the file starts with a byte-order mark (BOM); save it as UTF-8 without a BOM",
                ));
            }
        }
        // Blank lines between records are skipped here, so a record's line is where it starts.
        loop {
            self.fill()?;
            let rest = &self.input[self.pos..self.len];
            let blank = rest
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            self.line += rest[..blank].iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos += blank;
            if self.pos < self.len || self.eof {
                break;
            }
        }
        if self.pos >= self.len && self.eof {
            self.done = true;
            return Ok(None);
        }
        let line = self.line;
        if let Some(plain) = self.split_plain_line() {
            self.line += 1;
            let bytes = &self.input[plain.start..plain.end];
            let ends = &self.ends[..self.nends];
            let text = utf8(bytes, ends, true, line)?;
            return Ok(Some(Row {
                text,
                ends,
                line,
                separated: true,
                quoted: plain.quoted,
                trimmed: plain.trimmed,
            }));
        }
        let (mut nout, mut nend) = (0, 0);
        loop {
            self.fill()?;
            let input = &self.input[self.pos..self.len];
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.core_ends[nend..]);
            self.line += input[..nin].iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos += nin;
            nout += o;
            nend += e;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_RECORD_BYTES {
                        return Err(unreadable(
                            line,
                            nend as u64 + 1,
                            format!(
                                "this record runs on for more than {} MiB without ending: a quote (\") opened here is probably never closed",
                                MAX_RECORD_BYTES >> 20
                            ),
                        ));
                    }
                    let n = (self.out.len() * 2).min(MAX_RECORD_BYTES);
                    self.out.resize(n, 0);
                }
                // The ends buffers hold MAX_FIELDS from the start.
                csv_core::ReadRecordResult::OutputEndsFull => {
                    return Err(unreadable(
                        line,
                        MAX_FIELDS as u64,
                        format!("this record has more than {MAX_FIELDS} values"),
                    ));
                }
                csv_core::ReadRecordResult::Record => break,
                csv_core::ReadRecordResult::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        let bytes = &self.out[..nout];
        // A record is at most MAX_RECORD_BYTES long, so its ends fit.
        for (end, &core) in self.ends.iter_mut().zip(&self.core_ends[..nend]) {
            *end = core as u32;
        }
        let ends = &self.ends[..nend];
        let text = utf8(bytes, ends, false, line)?;
        // A record spans lines only when a quoted value holds a line break, which a CDS-R value
        // never does: it is a missing closing quote. Counting lines (done anyway) finds it
        // without searching every record; only the last record, which may lack a final line
        // break, is searched.
        let last = self.eof && self.pos >= self.len;
        let spans = self.line - line > 1 || (last && text.contains(['\n', '\r']));
        if spans && let Some(at) = text.find(['\n', '\r']) {
            let column = ends.iter().take_while(|&&end| end as usize <= at).count() as u64 + 1;
            let end_line = self.line;
            return Err(unreadable(
                line,
                column,
                if last {
                    "a quoted value opened here is never closed: the closing quote (\") is missing"
                        .to_owned()
                } else {
                    format!(
                        "a quoted value opened here runs on to line {}: a closing quote (\") is probably missing",
                        end_line.saturating_sub(1).max(line + 1)
                    )
                },
            ));
        }
        Ok(Some(Row::packed(text, ends, line)))
    }

    /// Splits the line at `pos` when it lies whole in the input block, holds no carriage return
    /// (but one before its line feed), and has either no quote or exactly one pair around every
    /// value: the common cases. Each value's comma goes to `ends`; moves past the line. Anything
    /// else is left to csv-core, which reads every form of CSV.
    fn split_plain_line(&mut self) -> Option<PlainLine> {
        let input = &self.input[self.pos..self.len];
        let ends = &mut self.ends[..];
        let mut n = 0;
        let mut at = 0;
        let mut blank = false;
        let mut quotes = 0;
        // Sixty-four bytes at a time, as one bit a byte: the commas, and the bytes below `#`
        // (line feed, CR, quote, space and control bytes), which most stretches of a line
        // have none of. Each comma goes to `ends` with one bit-scan step, none per byte.
        let mut newline = None;
        while let Some(chunk) = input.get(at..at + 64) {
            let stretch = Stretch::new(chunk.try_into().ok()?);
            let mut commas = stretch.eq(b',');
            if stretch.below(b'#') != 0 {
                let line_feed = stretch.eq(b'\n');
                let quote = stretch.eq(b'"');
                let cr = stretch.eq(b'\r');
                // May over-mark some bytes after a low one; `edge_space` looks at each.
                let low = stretch.below(b'!');
                // Only the bytes before a line feed belong to this line.
                let keep = match line_feed {
                    0 => u64::MAX,
                    lf => (lf & lf.wrapping_neg()) - 1,
                };
                commas &= keep;
                quotes += (quote & keep).count_ones() as usize;
                // A CR that is not a CRLF's: the careful way.
                let mut crs = cr & keep;
                while crs != 0 {
                    if input.get(at + crs.trailing_zeros() as usize + 1) != Some(&b'\n') {
                        return None;
                    }
                    crs &= crs - 1;
                }
                // A space or control byte. Only one at a value's edge matters (values are
                // trimmed); a space inside a postcode does not.
                let mut lows = low & keep;
                while lows != 0 && !blank {
                    blank = edge_space(input, at + lows.trailing_zeros() as usize);
                    lows &= lows - 1;
                }
                if line_feed != 0 {
                    newline = Some(at + line_feed.trailing_zeros() as usize);
                }
            }
            // More values than `ends` holds: csv-core's, which says so.
            let count = commas.count_ones() as usize;
            for place in ends.get_mut(n..n + count)? {
                *place = (at + commas.trailing_zeros() as usize) as u32;
                commas &= commas - 1;
            }
            n += count;
            if newline.is_some() {
                break;
            }
            at += 64;
        }
        let newline = match newline {
            Some(i) => Some(i),
            None => {
                // The last bytes of the block (under 64), one at a time.
                let mut found = None;
                for (i, &b) in input.iter().enumerate().skip(at) {
                    match b {
                        b'\n' => {
                            found = Some(i);
                            break;
                        }
                        b',' => {
                            *ends.get_mut(n)? = i as u32;
                            n += 1;
                        }
                        b'"' => quotes += 1,
                        b'\r' if input.get(i + 1) != Some(&b'\n') => return None,
                        _ if edge_space(input, i) => blank = true,
                        _ => {}
                    }
                }
                found
            }
        };
        let (end, next) = match newline {
            Some(i) => (i - usize::from(i > 0 && input[i - 1] == b'\r'), i + 1),
            // A last line without a line break; a line cut by the block's end is csv-core's.
            None if self.eof => (input.len(), input.len()),
            None => return None,
        };
        *ends.get_mut(n)? = end as u32;
        let line = &input[..end];
        // Quotes only as one pair around each value: two per value, one at each end. Then no
        // value holds a quote, or a comma (which would have split it into two values that do
        // not both start and end with a quote).
        let quoted = quotes > 0;
        if quoted {
            let mut start = 0;
            let wrapped = quotes == 2 * (n + 1)
                && ends[..=n].iter().all(|&e| {
                    let e = e as usize;
                    let ok = e >= start + 2 && line[start] == b'"' && line[e - 1] == b'"';
                    start = e + 1;
                    ok
                });
            if !wrapped {
                return None;
            }
        }
        self.nends = n + 1;
        let start = self.pos;
        self.pos += next;
        Some(PlainLine {
            start,
            end: start + end,
            quoted,
            trimmed: !blank,
        })
    }
}

/// A file cut into blocks of whole lines, for worker threads to read into rows (each with its
/// own [`RowReader`], started at the block's first line). Lines are cut at line feeds only:
/// a block ends just after one, so a record is split between two blocks only when a quoted
/// value holds a line break, which is an error either way (the caller then reads on from that
/// block with one reader, to report it exactly as a one-reader pass would).
#[derive(Debug)]
pub(crate) struct LineBlocks<R> {
    src: R,
    pending: Vec<u8>,
    eof: bool,
    line: u64,
}

/// How far a block is read looking for the end of a line before giving up: a longer line is an
/// error for any reader (see [`MAX_RECORD_BYTES`]), left to the one reader.
const LONGEST_LINE: usize = 2 * MAX_RECORD_BYTES;

/// What [`LineBlocks::next_block`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// A block of lines, starting on this line.
    Lines(u64),
    /// The end of the file.
    End,
    /// A line too long to cut: read on from here with one reader.
    TooLong,
}

impl<R: Read> LineBlocks<R> {
    /// The rest of the file after the rows `rows` has returned.
    pub(crate) fn after(rows: RowReader<R>) -> Self {
        let (pending, src, line, eof) = rows.into_rest();
        Self {
            src,
            pending,
            eof,
            line,
        }
    }

    /// Moves the next `lines` lines (fewer at the end of the file) into `block`.
    pub(crate) fn next_block(
        &mut self,
        lines: usize,
        block: &mut Vec<u8>,
    ) -> Result<Block, ValidationError> {
        block.clear();
        let (mut scan, mut count) = (0, 0);
        let cut = loop {
            match memchr::memchr(b'\n', &self.pending[scan..]) {
                Some(i) => {
                    scan += i + 1;
                    count += 1;
                    if count == lines {
                        break scan;
                    }
                }
                None if self.eof => break self.pending.len(),
                None if self.pending.len() - scan >= LONGEST_LINE => return Ok(Block::TooLong),
                None => {
                    // Read into the spare room, which is not zeroed first.
                    let n = (&mut self.src)
                        .take(1 << 16)
                        .read_to_end(&mut self.pending)
                        .map_err(ValidationError::Io)?;
                    self.eof = n == 0;
                }
            }
        };
        if cut == 0 {
            return Ok(Block::End);
        }
        // The bytes read become the block, and only what follows the cut (less than a block)
        // is copied, into the block buffer handed in, which becomes the bytes read ahead.
        std::mem::swap(block, &mut self.pending);
        self.pending.extend_from_slice(&block[cut..]);
        block.truncate(cut);
        let first = self.line;
        self.line += count as u64;
        Ok(Block::Lines(first))
    }

    /// What is not yet handed out in blocks: the bytes read ahead, the source, and the line
    /// they start on.
    pub(crate) fn into_rest(self) -> (Vec<u8>, R, u64) {
        (self.pending, self.src, self.line)
    }
}

/// A line split by [`RowReader::split_plain_line`]: where its text lies in the input block.
struct PlainLine {
    start: usize,
    end: usize,
    quoted: bool,
    trimmed: bool,
}

/// Whether the byte at `i` is a space or control byte at the start or end of a value (but
/// not the CR of a line's CRLF). Bytes past the line's end are never asked about, except the
/// line feed itself, which is not counted.
fn edge_space(line: &[u8], i: usize) -> bool {
    let Some(&b) = line.get(i) else {
        return false;
    };
    if b > b' ' || b == b'\n' {
        return false;
    }
    let next = line.get(i + 1).copied();
    if b == b'\r' && next == Some(b'\n') {
        return false;
    }
    // A quote counts as an edge: in `" a"` the value is ` a`.
    let edge = |x: Option<u8>| matches!(x, None | Some(b',' | b'\n' | b'\r' | b'"'));
    edge(i.checked_sub(1).map(|p| line[p])) || edge(next)
}

/// The record's bytes as text, or an error naming the value and character that are not UTF-8.
fn utf8<'a>(
    bytes: &'a [u8],
    ends: &[u32],
    separated: bool,
    line: u64,
) -> Result<&'a str, ValidationError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let column = ends.iter().take_while(|&&end| end as usize <= at).count() as u64 + 1;
        let start = match column as usize {
            1 => 0,
            c => ends.get(c - 2).map_or(0, |&e| e as usize + usize::from(separated)),
        };
        let byte = bytes[at];
        unreadable(
            line,
            column,
            format!(
                "value {column} is not UTF-8 text (byte 0x{byte:02X} at character {}); save the file as UTF-8",
                at - start + 1
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(input: &[u8]) -> Result<Vec<(u64, Vec<String>)>, ValidationError> {
        let mut r = RowReader::new(input);
        let mut out = Vec::new();
        while let Some(row) = r.next_row()? {
            out.push((
                row.line,
                (0..row.len())
                    .map(|i| row.get(i).unwrap().to_owned())
                    .collect(),
            ));
        }
        Ok(out)
    }

    /// Hands over at most `n` bytes per read, so records straddle the reader's blocks.
    struct Chunks<'a>(&'a [u8], usize);

    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let k = self.1.min(buf.len()).min(self.0.len());
            buf[..k].copy_from_slice(&self.0[..k]);
            self.0 = &self.0[k..];
            Ok(k)
        }
    }

    proptest::proptest! {
        /// Whatever the values (commas, quotes, spaces, tabs, CRs, non-ASCII), the line ends
        /// and the size of the reads, the rows read are the rows the csv crate wrote.
        #[test]
        fn reads_back_what_the_csv_crate_writes(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-c ,\"\t\r\u{e9}0-9]{0,6}", 1..12), 1..30),
            crlf in proptest::bool::ANY,
            quote_all in proptest::bool::ANY,
            chunk in 1usize..200,
        ) {
            let width = rows[0].len();
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|mut r| { r.resize(width, String::new()); r })
                // A lone empty value would be written as a blank line, which is skipped.
                .filter(|r| !(width == 1 && r[0].is_empty()))
                .collect();
            let mut w = csv::WriterBuilder::new()
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .quote_style(if quote_all { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary })
                .from_writer(Vec::new());
            for r in &rows {
                w.write_record(r).unwrap();
            }
            let data = w.into_inner().unwrap();
            let mut reader = RowReader::new(Chunks(&data, chunk));
            let mut got = Vec::new();
            while let Some(row) = reader.next_row().unwrap() {
                let values: Vec<String> =
                    (0..row.len()).map(|i| row.get(i).unwrap().to_owned()).collect();
                if row.trimmed {
                    proptest::prop_assert!(values.iter().all(|v| v.trim_ascii() == v), "{:?}", values);
                }
                got.push(values);
            }
            proptest::prop_assert_eq!(got, rows);
        }
    }

    #[test]
    fn a_line_quoting_every_value_is_read_on_the_fast_path() {
        let mut r =
            RowReader::new(&b"\"A\",\"B\",\"C\"\n\"1\",\"\",\" x \"\n\"a\"\"b\",\"2\",\"3\"\n"[..]);
        let row = r.next_row().unwrap().unwrap();
        assert!(row.separated && row.quoted && row.trimmed);
        assert_eq!((row.get(0), row.get(2)), (Some("A"), Some("C")));
        let row = r.next_row().unwrap().unwrap();
        assert!(
            row.quoted && !row.trimmed,
            "a space inside the quotes is at the value's edge"
        );
        assert_eq!((row.get(1), row.get(2)), (Some(""), Some(" x ")));
        // A quote inside a value: csv-core's.
        let row = r.next_row().unwrap().unwrap();
        assert!(!row.separated);
        assert_eq!(row.get(0), Some("a\"b"));
    }

    #[test]
    fn reads_quoted_values_and_lines() {
        let got = rows(b"A,B\n\"x,1\",\"y\"\"z\"\n\n3,4").unwrap();
        assert_eq!(got[0], (1, vec!["A".into(), "B".into()]));
        assert_eq!(got[1], (2, vec!["x,1".into(), "y\"z".into()]));
        assert_eq!(got.last().unwrap(), &(4, vec!["3".into(), "4".into()]));
    }

    #[test]
    fn bom_is_refused_with_line_and_column() {
        let e = rows(b"\xef\xbb\xbfA,B\n1,2\n").unwrap_err();
        assert!(
            matches!(
                e,
                ValidationError::Unreadable {
                    line: 1,
                    column: 1,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn bad_utf8_names_line_and_value() {
        let e = rows(b"A,B,C\n1,2,3\n4,x\xff,6\n").unwrap_err();
        match e {
            ValidationError::Unreadable {
                line,
                column,
                message,
            } => {
                assert_eq!((line, column), (3, 2));
                assert!(message.contains("0xFF"), "{message}");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn unterminated_quote_at_the_end() {
        let e = rows(b"A,B\n1,2\n3,\"4\n5,6\n").unwrap_err();
        match e {
            ValidationError::Unreadable {
                line,
                column,
                message,
            } => {
                assert_eq!((line, column), (3, 2));
                assert!(message.contains("never closed"), "{message}");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn overlong_record_is_refused_in_bounded_memory() {
        let mut data = b"A,B\n1,\"".to_vec();
        data.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        let mut r = RowReader::new(&data[..]);
        r.next_row().unwrap();
        let e = r.next_row().unwrap_err();
        assert!(
            matches!(
                e,
                ValidationError::Unreadable {
                    line: 2,
                    column: 2,
                    ..
                }
            ),
            "{e}"
        );
        assert!(r.out.len() <= MAX_RECORD_BYTES);
    }
}
