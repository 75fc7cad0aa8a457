//! Exec stage, readers: where the commas and line ends of a block of quote-free CSV lie,
//! found 64 bytes at a time as bit masks (one bit per byte), so that a row's end and its
//! cells' ends are read off the masks instead of searched for byte by byte.

use std::ops::Range;

/// The commas and line ends (`\n` or `\r`) of one 64-byte chunk of a block.
#[derive(Debug, Clone, Copy)]
struct ChunkMarks {
    /// Bit `i` is set when byte `i` of the chunk is a `,`.
    commas: u64,
    /// Bit `i` is set when byte `i` of the chunk is a `\n` or `\r`.
    line_ends: u64,
}

impl ChunkMarks {
    /// The marks of the 64 bytes at `start` of `bytes` (past its end, bytes count as neither).
    fn of(bytes: &[u8], start: usize) -> ChunkMarks {
        match bytes.get(start..start + 64) {
            Some(chunk) => ChunkMarks::of_chunk(chunk.try_into().unwrap_or(&[0; 64])),
            None => {
                let mut padded = [0u8; 64];
                let rest = bytes.get(start..).unwrap_or_default();
                padded[..rest.len()].copy_from_slice(rest);
                ChunkMarks::of_chunk(&padded)
            }
        }
    }

    /// The marks of one chunk, sixteen bytes at a time with SSE2 (part of every x86-64).
    #[cfg(target_arch = "x86_64")]
    fn of_chunk(chunk: &[u8; 64]) -> ChunkMarks {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        let mut marks = ChunkMarks {
            commas: 0,
            line_ends: 0,
        };
        for (i, sixteen) in chunk.chunks_exact(16).enumerate() {
            // SAFETY: SSE2 is enabled on every x86-64 target, and the load reads the 16
            // bytes of `sixteen` (an unaligned load, which `_mm_loadu_si128` allows).
            let (commas, line_ends) = unsafe {
                let v = _mm_loadu_si128(sixteen.as_ptr().cast());
                let byte = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
                (
                    _mm_movemask_epi8(byte(b',')),
                    _mm_movemask_epi8(_mm_or_si128(byte(b'\n'), byte(b'\r'))),
                )
            };
            marks.commas |= u64::from(commas as u16) << (16 * i);
            marks.line_ends |= u64::from(line_ends as u16) << (16 * i);
        }
        marks
    }

    /// The marks of one chunk, a byte at a time.
    #[cfg(not(target_arch = "x86_64"))]
    fn of_chunk(chunk: &[u8; 64]) -> ChunkMarks {
        let mut marks = ChunkMarks {
            commas: 0,
            line_ends: 0,
        };
        for (i, &b) in chunk.iter().enumerate() {
            marks.commas |= u64::from(b == b',') << i;
            marks.line_ends |= u64::from(b == b'\n' || b == b'\r') << i;
        }
        marks
    }
}

/// Where [`Marks::plain_rows`] puts the rows it reads.
pub trait PlainRowSink {
    /// Cell `column` of the row being read lies at `at` of the bytes (if that row is not
    /// told next, it was not plain: its cells are to be forgotten).
    fn cell(&mut self, column: usize, at: Range<usize>);
    /// The row being read, whose cells were told, lies at `at`; whether to read on.
    fn row(&mut self, at: Range<usize>) -> bool;
}

/// Reads rows off a block's marks, keeping the marks of the chunk last looked at (the
/// next row usually starts in it).
#[derive(Debug, Default)]
pub struct Marks {
    /// The chunk whose marks are kept: its start in the block and its marks.
    chunk: Option<(usize, ChunkMarks)>,
}

impl Marks {
    /// Forgets the kept marks (the block has changed).
    pub fn reset(&mut self) {
        self.chunk = None;
    }

    /// The first line end at or after `from` in `bytes`, or `None` when there is none;
    /// pushes the offset (from `from`) of every `,` before it (or before the end of
    /// `bytes`) to `commas`.
    pub fn row_end(&mut self, bytes: &[u8], from: usize, commas: &mut Vec<usize>) -> Option<usize> {
        let mut start = from & !63;
        let mut skip = from - start;
        loop {
            let marks = self.chunk_at(bytes, start);
            let after_from = u64::MAX << skip;
            let line_ends = marks.line_ends & after_from;
            let before_end = match line_ends {
                0 => u64::MAX,
                ends => (1 << ends.trailing_zeros()) - 1,
            };
            let mut found = marks.commas & after_from & before_end;
            while found != 0 {
                commas.push(start + found.trailing_zeros() as usize - from);
                found &= found - 1;
            }
            if line_ends != 0 {
                return Some(start + line_ends.trailing_zeros() as usize);
            }
            start += 64;
            skip = 0;
            if start >= bytes.len() {
                return None;
            }
        }
    }

    /// Reads plain rows from `from` (the start of a row) in `bytes`: rows of `cells`
    /// cells, not empty, each ended by a `\n` alone. Tells `sink` of each cell and, once
    /// whole, of each row, until the sink takes no more. Stops before the first row that is
    /// not plain or not whole in `bytes`; returns where it stopped and how many rows it read.
    pub fn plain_rows(
        &mut self,
        (bytes, from): (&[u8], usize),
        cells: usize,
        sink: &mut impl PlainRowSink,
    ) -> (usize, usize) {
        let (mut row_start, mut cell_start, mut column, mut rows) = (from, from, 0, 0);
        let mut start = from & !63;
        let mut skip = from - start;
        while start < bytes.len() {
            let marks = self.chunk_at(bytes, start);
            let mut found = (marks.commas | marks.line_ends) & (u64::MAX << skip);
            while found != 0 {
                let bit = found.trailing_zeros();
                let at = start + bit as usize;
                found &= found - 1;
                if marks.line_ends >> bit & 1 == 0 {
                    if column + 1 >= cells {
                        return (row_start, rows);
                    }
                    sink.cell(column, cell_start..at);
                    (column, cell_start) = (column + 1, at + 1);
                    continue;
                }
                if column + 1 != cells || at == row_start || bytes.get(at) != Some(&b'\n') {
                    return (row_start, rows);
                }
                sink.cell(column, cell_start..at);
                let more = sink.row(row_start..at);
                (row_start, cell_start, column, rows) = (at + 1, at + 1, 0, rows + 1);
                if !more {
                    return (row_start, rows);
                }
            }
            start += 64;
            skip = 0;
        }
        (row_start, rows)
    }

    /// The marks of the chunk at `start`, found now unless kept.
    fn chunk_at(&mut self, bytes: &[u8], start: usize) -> ChunkMarks {
        match self.chunk {
            Some((kept, marks)) if kept == start => marks,
            _ => {
                let marks = ChunkMarks::of(bytes, start);
                self.chunk = Some((start, marks));
                marks
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first line end at or after `from` and the commas before it, a byte at a time.
    fn one_by_one(bytes: &[u8], from: usize) -> (Option<usize>, Vec<usize>) {
        let end = (from..bytes.len()).find(|&i| matches!(bytes[i], b'\n' | b'\r'));
        let stop = end.unwrap_or(bytes.len());
        let commas = (from..stop).filter(|&i| bytes[i] == b',').map(|i| i - from);
        (end, commas.collect())
    }

    fn marks_of(bytes: &[u8], from: usize, marks: &mut Marks) -> (Option<usize>, Vec<usize>) {
        let mut commas = Vec::new();
        let end = marks.row_end(bytes, from, &mut commas);
        (end, commas)
    }

    #[test]
    fn row_ends_and_commas_are_found_from_every_offset_of_every_chunk() {
        let line = b"O000000001,C0000001,2025-07-09T02:44:43,59.72,,web\r\n,x,\n\n";
        let bytes: Vec<u8> = line.iter().cycle().take(300).copied().collect();
        for from in 0..bytes.len() {
            let mut fresh = Marks::default();
            assert_eq!(marks_of(&bytes, from, &mut fresh), one_by_one(&bytes, from));
        }
    }

    #[test]
    fn kept_marks_give_what_fresh_marks_give_row_after_row() {
        let bytes: Vec<u8> = (0..500u32)
            .map(|i| match i * 7 % 13 {
                0 => b'\n',
                1 | 5 => b',',
                2 if i % 3 == 0 => b'\r',
                _ => b'a' + (i % 26) as u8,
            })
            .collect();
        let mut kept = Marks::default();
        let mut from = 0;
        while from < bytes.len() {
            let found = marks_of(&bytes, from, &mut kept);
            assert_eq!(found, one_by_one(&bytes, from), "from {from}");
            from = found.0.map_or(bytes.len(), |end| end + 1);
        }
    }

    /// What [`Marks::plain_rows`] tells its sink: the cells and rows of whole rows, in
    /// order (the cells of a row not told are forgotten).
    #[derive(Default)]
    struct Told {
        said: Vec<(Option<usize>, Range<usize>)>,
        cells: Vec<(Option<usize>, Range<usize>)>,
        rows: usize,
        most: usize,
    }

    impl PlainRowSink for Told {
        fn cell(&mut self, column: usize, at: Range<usize>) {
            self.cells.push((Some(column), at));
        }

        fn row(&mut self, at: Range<usize>) -> bool {
            self.said.append(&mut self.cells);
            self.said.push((None, at));
            self.rows += 1;
            self.rows < self.most
        }
    }

    /// [`Marks::plain_rows`] a row at a time, by searching bytes.
    fn plain_rows_one_by_one(
        bytes: &[u8],
        from: usize,
        cells: usize,
        most: usize,
    ) -> (Told, usize) {
        let mut told = Told::default();
        let mut start = from;
        while told.rows < most {
            let Some(end) = (start..bytes.len()).find(|&i| matches!(bytes[i], b'\n' | b'\r'))
            else {
                break;
            };
            let commas: Vec<usize> = (start..end).filter(|&i| bytes[i] == b',').collect();
            if bytes[end] != b'\n' || end == start || commas.len() + 1 != cells {
                break;
            }
            let mut cell_start = start;
            for (column, &stop) in commas.iter().chain([&end]).enumerate() {
                told.said.push((Some(column), cell_start..stop));
                cell_start = stop + 1;
            }
            told.said.push((None, start..end));
            told.rows += 1;
            start = end + 1;
        }
        (told, start)
    }

    #[test]
    fn plain_rows_are_read_off_the_marks_as_they_are_found_byte_by_byte() {
        let rows = "a,bb,c\n,,\nxyz,1,2\n".repeat(9);
        let texts = [
            rows.clone(),
            format!("{rows}a,b\nc,d,e\n"),
            format!("{rows}a,b,c,d\n"),
            format!("{rows}\na,b,c\n"),
            format!("{rows}a,b,c\r\nd,e,f\n"),
            format!("{rows}a,b,c"),
            format!("{}\n", "long cell,".repeat(20)),
        ];
        for text in &texts {
            let bytes = text.as_bytes();
            for (from, cells, most) in [
                (0, 3, usize::MAX),
                (7, 3, usize::MAX),
                (0, 3, 5),
                (0, 21, 9),
            ] {
                let mut told = Told {
                    most,
                    ..Told::default()
                };
                let (stop, rows) = Marks::default().plain_rows((bytes, from), cells, &mut told);
                let (expected, expected_stop) = plain_rows_one_by_one(bytes, from, cells, most);
                assert_eq!(
                    (told.said, stop, rows),
                    (expected.said, expected_stop, expected.rows),
                    "{text:?} from {from}"
                );
            }
        }
    }

    #[test]
    fn bytes_with_the_high_bit_set_are_neither_commas_nor_line_ends() {
        let bytes: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
        let mut marks = Marks::default();
        for from in [0, 1, 63, 64, 200, 300] {
            assert_eq!(marks_of(&bytes, from, &mut marks), one_by_one(&bytes, from));
        }
    }

    #[test]
    fn a_block_without_line_end_has_no_row_end_but_its_commas() {
        let mut marks = Marks::default();
        assert_eq!(marks_of(b"a,b,,c", 1, &mut marks), (None, vec![0, 2, 3]));
        assert_eq!(marks_of(b"", 0, &mut Marks::default()), (None, vec![]));
    }

    #[test]
    fn a_reset_forgets_the_marks_of_the_old_block() {
        let mut marks = Marks::default();
        assert_eq!(marks_of(b"a,b\n", 0, &mut marks), (Some(3), vec![1]));
        marks.reset();
        assert_eq!(marks_of(b"ab,\n", 0, &mut marks), (Some(3), vec![2]));
    }
}
