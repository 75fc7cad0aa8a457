//! Exec stage, readers: where the commas and line ends of a block of quote-free CSV lie,
//! found 64 bytes at a time as bit masks (one bit per byte), so that a row's end and its
//! cells' ends are read off the masks instead of searched for byte by byte.

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
