//! Reads CSV rows in bounded memory, with errors that name the line and column of bad input.
//!
//! Built on `csv-core` with fixed-size buffers rather than the `csv` crate's growing records: a
//! file with an unterminated quote or no line breaks would otherwise be read whole into one
//! record. A CDS-R value never holds a line break, so a value that spans lines is reported as
//! the missing closing quote it almost always is.

use std::io::Read;

use crate::validate::ValidationError;

/// The longest record accepted. A full CDS-R row is well under 4 KiB.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// The most values accepted in one record (the catalogue has a few hundred at most).
pub const MAX_FIELDS: usize = 4096;
const INPUT_BYTES: usize = 1 << 16;

/// One record: its text, the end of each value in it, and the line it starts on.
#[derive(Debug)]
pub struct Row<'a> {
    pub text: &'a str,
    pub ends: &'a [usize],
    pub line: u64,
}

impl<'a> Row<'a> {
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
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
    ends: Vec<usize>,
    first: bool,
    done: bool,
    /// The line the reader is on, counted here: csv-core counts blank lines late.
    line: u64,
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
            ends: vec![0; 256],
            first: true,
            done: false,
            line: 1,
        }
    }

    fn fill(&mut self) -> Result<(), ValidationError> {
        if self.pos < self.len || self.eof {
            return Ok(());
        }
        self.pos = 0;
        self.len = loop {
            match self.src.read(&mut self.input) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ValidationError::Io(e)),
            }
        };
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
        let line = self.line;
        let (mut nout, mut nend) = (0, 0);
        loop {
            self.fill()?;
            let input = &self.input[self.pos..self.len];
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
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
                csv_core::ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Err(unreadable(
                            line,
                            MAX_FIELDS as u64,
                            format!("this record has more than {MAX_FIELDS} values"),
                        ));
                    }
                    let n = (self.ends.len() * 2).min(MAX_FIELDS);
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => break,
                csv_core::ReadRecordResult::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        let bytes = &self.out[..nout];
        let ends = &self.ends[..nend];
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.valid_up_to();
                let column = ends.iter().take_while(|&&end| end <= at).count() as u64 + 1;
                let start = ends.get(column as usize - 1).map_or(0, |_| {
                    if column == 1 {
                        0
                    } else {
                        ends[column as usize - 2]
                    }
                });
                let offset = at - start;
                let byte = bytes[at];
                return Err(unreadable(
                    line,
                    column,
                    format!(
                        "value {column} is not UTF-8 text (byte 0x{byte:02X} at character {}); save the file as UTF-8",
                        offset + 1
                    ),
                ));
            }
        };
        // A record spans lines only when a quoted value holds a line break, which a CDS-R value
        // never does: it is a missing closing quote. Counting lines (done anyway) finds it
        // without searching every record; only the last record, which may lack a final line
        // break, is searched.
        let last = self.eof && self.pos >= self.len;
        let spans = self.line - line > 1 || (last && text.contains(['\n', '\r']));
        if spans && let Some(at) = text.find(['\n', '\r']) {
            let column = ends.iter().take_while(|&&end| end <= at).count() as u64 + 1;
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
        Ok(Some(Row { text, ends, line }))
    }
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
