//! Exec stage, readers: splitting a large CSV file into byte ranges that can be parsed in
//! parallel. A file is split only when no record can span a boundary: when it holds no
//! quote character at all, every line end ends a record.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

/// Files smaller than this are read in one piece.
const MIN_SPLIT_BYTES: u64 = 8 << 20;

/// The byte ranges of `parts` pieces of a CSV file (the first starting at 0, with the
/// header), each ending just after a line end; `None` when the file is small, holds a
/// quote character, or cannot be read (the ordinary reader then reports why).
pub fn split_csv(path: &Path, parts: u64) -> Option<Vec<Range<u64>>> {
    let size = std::fs::metadata(path).ok()?.len();
    if size < MIN_SPLIT_BYTES || parts < 2 || holds_quote(path).unwrap_or(true) {
        return None;
    }
    let mut starts = vec![0];
    for k in 1..parts {
        let start = next_line_start(path, size * k / parts).ok()?;
        if start > *starts.last()? && start < size {
            starts.push(start);
        }
    }
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(size));
    Some(
        starts
            .iter()
            .copied()
            .zip(ends)
            .map(|(a, b)| a..b)
            .collect(),
    )
}

/// Whether the file holds a `"` anywhere.
fn holds_quote(path: &Path) -> std::io::Result<bool> {
    let mut file = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(false);
        }
        if memchr::memchr(b'"', &buffer[..n]).is_some() {
            return Ok(true);
        }
    }
}

/// The offset just after the first line end at or after `from`.
fn next_line_start(path: &Path, from: u64) -> std::io::Result<u64> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(from))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut buffer = vec![0u8; 1 << 16];
    let mut offset = from;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            return Ok(offset);
        }
        if let Some(i) = memchr::memchr(b'\n', &buffer[..n]) {
            return Ok(offset + i as u64 + 1);
        }
        offset += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(name: &str, line: &str, lines: usize) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("seg-split-{}-{name}.csv", std::process::id()));
        let mut text = String::from("id,amount\n");
        for _ in 0..lines {
            text.push_str(line);
        }
        std::fs::write(&path, text).unwrap_or_default();
        path
    }

    #[test]
    fn a_large_file_splits_at_line_starts() {
        let path = file_with("plain", "c0001,12.50\n", 1_000_000);
        let ranges = split_csv(&path, 2).unwrap_or_default();
        let bytes = std::fs::read(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        assert_eq!(ranges.len(), 2);
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges[0].end, ranges[1].start);
        assert_eq!(ranges[1].end, bytes.len() as u64);
        assert_eq!(
            bytes[ranges[1].start as usize - 1],
            b'\n',
            "a part starts after a line end"
        );
    }

    #[test]
    fn a_file_with_quotes_is_read_in_one_piece() {
        let path = file_with("quoted", "\"c,1\",12.50\n", 1_000_000);
        let ranges = split_csv(&path, 2);
        let _ = std::fs::remove_file(&path);
        assert!(ranges.is_none());
    }

    #[test]
    fn a_small_file_is_read_in_one_piece() {
        let path = file_with("small", "c0001,12.50\n", 10);
        let ranges = split_csv(&path, 2);
        let _ = std::fs::remove_file(&path);
        assert!(ranges.is_none());
    }
}
