//! A byte stream that bounds how much of one line or one record can pass, sitting under the
//! `csv` crate.
//!
//! The `csv` crate collects a whole record in memory before handing it over, so without a guard
//! a hostile 10 GB line (or a stray quote that makes the rest of a 10 GB file one quoted field)
//! would be read into memory before our size check ever saw it. [`LimitedInput`] watches the
//! bytes as they pass:
//!
//! * a **line** longer than the limit: the rest of the line is skipped without being kept (only
//!   counted), and the read fails with a marker error; the record reader then restarts the CSV
//!   parser on the next line and reports the line as one failed record
//!   ([`Failure::LongLine`]);
//! * a **record** spanning several lines that grows past the limit (plus the parser's read-ahead
//!   buffer): the read fails for good ([`Failure::LongRecord`]), since where such a record ends
//!   cannot be known without reading it.
//!
//! Memory is then bounded by about twice the limit whatever the input.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

/// Why the last read failed, when the guard failed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Line `line` (1-based) has `len` bytes before its newline, more than the limit; it was
    /// skipped and reading can go on at the next line.
    LongLine { line: u64, len: u64 },
    /// The record that starts on line `start_line` runs past the limit over several lines.
    LongRecord { start_line: u64 },
}

/// Read-ahead of the CSV parser, which the record bound allows on top of the limit.
pub const PARSER_BUFFER: usize = 64 * 1024;

/// See the module documentation.
pub struct LimitedInput {
    inner: BufReader<Box<dyn Read + Send>>,
    max: usize,
    /// 1-based line of the next byte.
    line: u64,
    /// Bytes of the current line so far (its newline excluded).
    line_bytes: usize,
    /// Bytes handed to the reader so far.
    delivered: u64,
    /// Bytes consumed from the input (handed over or skipped).
    consumed: u64,
    /// Where the record being parsed starts (byte offset, line), as told by [`Self::record_started`].
    record_start: (u64, u64),
    failure: Option<Failure>,
}

impl LimitedInput {
    pub fn new(inner: Box<dyn Read + Send>, max: usize) -> Self {
        LimitedInput {
            inner: BufReader::with_capacity(PARSER_BUFFER, inner),
            max,
            line: 1,
            line_bytes: 0,
            delivered: 0,
            consumed: 0,
            record_start: (0, 1),
            failure: None,
        }
    }

    /// The parser starts a record at this byte offset of what it was handed, on this line.
    pub fn record_started(&mut self, byte: u64, line: u64) {
        self.record_start = (byte, line);
    }

    /// Bytes handed over so far: the offset the parser is at after a failure.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Bytes consumed from the input, skipped ones included.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The failure behind the last error, if the guard caused it (taken: asked once).
    pub fn take_failure(&mut self) -> Option<Failure> {
        self.failure.take()
    }

    /// Skips the rest of the current line (and its newline), returning its total length.
    fn skip_line(&mut self) -> io::Result<u64> {
        let mut len = self.line_bytes as u64;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(len);
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    len += i as u64;
                    self.inner.consume(i + 1);
                    self.consumed += i as u64 + 1;
                    self.line += 1;
                    self.line_bytes = 0;
                    return Ok(len);
                }
                None => {
                    let n = available.len();
                    len += n as u64;
                    self.inner.consume(n);
                    self.consumed += n as u64;
                }
            }
        }
    }

    fn fail(&mut self, failure: Failure) -> io::Error {
        self.failure = Some(failure);
        io::Error::new(io::ErrorKind::InvalidData, "input exceeds --max-record-bytes")
    }
}

impl Read for LimitedInput {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let record_bytes = self.delivered.saturating_sub(self.record_start.0);
        if record_bytes > self.max.saturating_add(PARSER_BUFFER) as u64 {
            return Err(self.fail(Failure::LongRecord { start_line: self.record_start.1 }));
        }
        let available = self.inner.fill_buf()?;
        let n = available.len().min(out.len());
        let (mut line, mut line_bytes, mut take) = (self.line, self.line_bytes, n);
        for (i, &b) in available[..n].iter().enumerate() {
            if b == b'\n' {
                line += 1;
                line_bytes = 0;
            } else if line_bytes == self.max {
                take = i;
                break;
            } else {
                line_bytes += 1;
            }
        }
        if take == 0 && n > 0 {
            // The current line already has `max` bytes and goes on: skip it.
            let long_line = self.line;
            let len = self.skip_line()?;
            return Err(self.fail(Failure::LongLine { line: long_line, len }));
        }
        out[..take].copy_from_slice(&available[..take]);
        self.inner.consume(take);
        self.line = line;
        self.line_bytes = line_bytes;
        self.delivered += take as u64;
        self.consumed += take as u64;
        Ok(take)
    }
}

/// Only what the CSV parser needs to restart after a skipped line: "where am I".
impl Seek for LimitedInput {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match pos {
            SeekFrom::Current(0) => Ok(self.delivered),
            _ => Err(io::Error::new(io::ErrorKind::Unsupported, "the input cannot seek")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &'static [u8], max: usize) -> (Vec<u8>, Vec<Failure>) {
        let mut r = LimitedInput::new(Box::new(input), max);
        let (mut out, mut failures) = (Vec::new(), Vec::new());
        let mut buf = [0u8; 3];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, failures),
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    r.record_started(r.delivered(), 0);
                }
                Err(_) => failures.push(r.take_failure().unwrap()),
            }
        }
    }

    #[test]
    fn long_lines_are_skipped_and_counted() {
        let (out, failures) = read_all(b"ab\nabcdefgh\ncd\nabcdef", 4);
        assert_eq!(out, b"ab\nabcdcd\nabcd");
        assert_eq!(failures, vec![Failure::LongLine { line: 2, len: 8 }, Failure::LongLine { line: 4, len: 6 }]);
        // A line of exactly the limit passes.
        assert_eq!(read_all(b"abcd\nabcd", 4), (b"abcd\nabcd".to_vec(), vec![]));
    }

    #[test]
    fn a_record_past_the_limit_fails() {
        let mut r = LimitedInput::new(Box::new(std::io::repeat(b'\n').take(1 << 20)), 10);
        let mut buf = vec![0u8; 4096];
        let mut total = 0u64;
        let err = loop {
            match r.read(&mut buf) {
                Ok(0) => panic!("the record bound never tripped"),
                Ok(n) => total += n as u64,
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(r.take_failure(), Some(Failure::LongRecord { start_line: 1 }));
        assert!(total <= (10 + PARSER_BUFFER + 4096) as u64);
    }
}
