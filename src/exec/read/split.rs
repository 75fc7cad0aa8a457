//! Exec stage, readers: splitting a large CSV file into byte ranges that can be parsed in
//! parallel. The cut is right only when no record spans it: when the file holds no quote
//! character at all, every line end ends a record. The parts are read optimistically by
//! [`super::PlainCsvReader`], which stops at a `"`; the file is then read in one piece.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

/// Files smaller than this are read in one piece.
const MIN_SPLIT_BYTES: u64 = 8 << 20;

/// The byte ranges of `parts` pieces of a CSV file (the first starting at 0, with the
/// header), each ending just after the end of a row (see [`next_row_start`]); a small file
/// is one piece. `None` when the file cannot be read (the ordinary reader then reports why).
pub fn split_csv(path: &Path, parts: u64) -> Option<Vec<Range<u64>>> {
    let size = std::fs::metadata(path).ok()?.len();
    if size < MIN_SPLIT_BYTES || parts < 2 {
        return Some(std::iter::once(0..size).collect());
    }
    let mut starts = vec![0];
    for k in 1..parts {
        let start = next_row_start(path, size * k / parts).ok()?;
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

/// The offset just after the first row end at or after `from`: a line-end byte (`\n` or
/// `\r`) right after a byte of a row, where the `csv` crate too begins reading the next
/// row (the rest of a `\r\n`, and empty lines, are read with it). A part that starts
/// with the `\n` of a `\r\n` does not count it as a line end (the part before counted
/// the `\r`), so the line counts of the parts add up to the file's.
fn next_row_start(path: &Path, from: u64) -> std::io::Result<u64> {
    let mut file = File::open(path)?;
    let mut offset = from.saturating_sub(1);
    file.seek(SeekFrom::Start(offset))?;
    let mut buffer = vec![0u8; 1 << 16];
    let mut previous = b'\n';
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(offset);
        }
        for i in memchr::memchr2_iter(b'\n', b'\r', &buffer[..n]) {
            let before = if i == 0 { previous } else { buffer[i - 1] };
            let at = offset + i as u64;
            if at >= from && !is_line_end(before) {
                return Ok(at + 1);
            }
        }
        previous = buffer[n - 1];
        offset += n as u64;
    }
}

/// Whether a byte ends a CSV line (the csv crate takes `\r`, `\n` and `\r\n`).
fn is_line_end(byte: u8) -> bool {
    byte == b'\n' || byte == b'\r'
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
    fn a_crlf_file_splits_after_the_carriage_return() {
        let path = file_with("crlf", "c0001,12.50\r\n", 1_000_000);
        let ranges = split_csv(&path, 2).unwrap_or_default();
        let bytes = std::fs::read(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        assert_eq!(ranges.len(), 2);
        let start = ranges[1].start as usize;
        assert_eq!(
            &bytes[start - 2..start + 1],
            b"0\r\n",
            "the `\\n` starts the part"
        );
    }

    #[test]
    fn a_part_starts_after_the_first_line_end_byte_of_a_row() {
        let path = std::env::temp_dir().join(format!("seg-split-{}-ends.csv", std::process::id()));
        let _ = std::fs::write(&path, "id\nab\r\n\r\n\ncd\n");
        let starts: Vec<u64> = [1, 3, 5, 6, 9, 13]
            .iter()
            .map(|&from| next_row_start(&path, from).unwrap_or_default())
            .collect();
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            starts,
            [3, 6, 6, 13, 13, 13],
            "not inside a line end or after an empty line"
        );
    }

    #[test]
    fn a_small_file_is_read_in_one_piece() {
        let path = file_with("small", "c0001,12.50\n", 10);
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        let ranges = split_csv(&path, 2);
        let _ = std::fs::remove_file(&path);
        assert_eq!(ranges, Some(std::iter::once(0..size).collect()));
    }
}
