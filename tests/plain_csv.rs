//! The plain CSV reader (`PlainCsvReader`, which reads the parts of a large CSV file without
//! quotes) gives exactly what the `csv` crate reader (`CsvReader`) gives for the whole file:
//! the same values, cell texts, bad cells, errors, line numbers, positions and line counts.
//! Each input is read whole by `CsvReader`, and by `PlainCsvReader` in one range and cut
//! into parts at row ends (as `split_csv` cuts a file), each part's lines counted from the
//! lines of the parts before it; the two transcripts must be equal. `PlainCsvReader` reads
//! each part twice: a row at a time as values, and a block's rows at a time as scalars
//! (`next_rows`, the typed event path; its transcript has no byte positions).

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use seg::check::hir::Field;
use seg::check::types::{Ty, Type};
use seg::exec::read::{CsvReader, PlainCsvReader, RowReader, ScalarRows};
use seg::exec::{Scalar, Value};
use seg::syntax::Span;

/// The file's columns: the declared fields in another order, and two more.
const HEADER: &str = "note,id,count,amount,extra,kind,when";

/// Which fields are stored (the others are only checked): all, and a mix.
const STORES: [[bool; 5]; 2] = [[true; 5], [false, true, false, true, false]];

/// The declared fields.
fn fields() -> Vec<Field> {
    let field = |name: &str, ty: Ty, nullable: bool| Field {
        name: name.into(),
        ty: Type { ty, nullable },
        span: Span::default(),
    };
    let kinds: Arc<[String]> = Arc::from(vec!["a".to_string(), "b".to_string()]);
    vec![
        field("id", Ty::String, false),
        field("amount", Ty::Decimal, true),
        field("when", Ty::DateTime, false),
        field("kind", Ty::Enum(kinds), true),
        field("count", Ty::Int, false),
    ]
}

/// Reads every row into `out`: each row's line, values (when it fits) and field texts, or
/// its problem; then the end (`true`) or the error that stops it (`false`). Positions are
/// shifted by `offset`, the start of the range, or left out when `offset` is `None`.
fn transcript(
    reader: &mut dyn RowReader,
    store: &[bool],
    offset: Option<u64>,
    out: &mut Vec<String>,
) -> bool {
    reader.store_only(store);
    let mut row = vec![Value::Null; store.len()];
    loop {
        match reader.next_row(&mut row) {
            Ok(Some(result)) => {
                let at = offset.map_or(String::new(), |o| {
                    format!(" at byte {}", reader.position() + o)
                });
                let texts: Vec<Option<&str>> =
                    (0..store.len()).map(|i| reader.cell_text(i)).collect();
                out.push(match result {
                    Ok(line) => format!("row at line {line}{at}: {row:?} {texts:?}"),
                    Err(problem) => format!("problem{at}: {problem:?} {texts:?}"),
                });
            }
            Ok(None) => {
                let at = offset.map_or(String::new(), |o| {
                    format!(" at byte {}", reader.position() + o)
                });
                out.push(format!("end{at}"));
                return true;
            }
            Err(error) => {
                out.push(format!("error: {error:?}"));
                return false;
            }
        }
    }
}

/// [`transcript`] of the rows `next_rows` reads a block at a time, as scalars (without
/// byte positions).
fn rows_transcript(reader: &mut PlainCsvReader, store: &[bool], out: &mut Vec<String>) -> bool {
    let mut rows = ScalarRows::default();
    loop {
        match reader.next_rows(store, &mut rows) {
            Ok(true) => {
                for r in 0..rows.len() {
                    let texts: Vec<Option<&str>> = (0..store.len())
                        .map(|f| reader.field_text(&rows, r, f))
                        .collect();
                    out.push(match rows.get(r) {
                        Ok(cells) => {
                            let row = values(cells, store, &texts);
                            format!("row at line {}: {row:?} {texts:?}", rows.line(r))
                        }
                        Err(problem) => format!("problem: {problem:?} {texts:?}"),
                    });
                }
            }
            Ok(false) => {
                out.push("end".into());
                return true;
            }
            Err(error) => {
                out.push(format!("error: {error:?}"));
                return false;
            }
        }
    }
}

/// The values of a row's scalars (null where not stored), given its fields' texts.
fn values(cells: &[Scalar], store: &[bool], texts: &[Option<&str>]) -> Vec<Value> {
    let fields = cells.iter().zip(store).zip(texts);
    fields
        .map(|((cell, &stored), text)| match (stored, cell) {
            (false, _) => Value::Null,
            (true, Scalar::Text(..)) => Value::Str(Arc::from(text.unwrap_or_default())),
            (true, cell) => cell.plain_value().unwrap(),
        })
        .collect()
}

/// What `CsvReader` gives for the whole file (with byte positions, or not).
fn by_csv_reader(path: &Path, store: &[bool], positions: bool) -> Vec<String> {
    let mut out = Vec::new();
    match CsvReader::open(path, "orders", &fields()) {
        Ok(mut reader) => {
            if transcript(&mut reader, store, positions.then_some(0), &mut out) {
                out.push(format!("{} lines", reader.lines_read()));
            }
        }
        Err(error) => out.push(format!("open: {error:?}")),
    }
    out
}

/// What `PlainCsvReader` gives for the file cut at `cuts`, part after part: read a row at
/// a time as values (with byte positions), or a block's rows at a time as scalars.
fn by_plain_reader(path: &Path, cuts: &[u64], store: &[bool], as_scalars: bool) -> Vec<String> {
    let size = std::fs::metadata(path).unwrap().len();
    let starts: Vec<u64> = std::iter::once(0).chain(cuts.iter().copied()).collect();
    let ends = cuts.iter().copied().chain(std::iter::once(size));
    let mut out = Vec::new();
    let mut lines_before = 0;
    for (start, end) in starts.iter().copied().zip(ends) {
        let mut reader =
            match PlainCsvReader::open_range(path, "orders", &fields(), start..end, lines_before) {
                Ok(reader) => reader,
                Err(error) => {
                    out.push(format!("open: {error:?}"));
                    return out;
                }
            };
        let read_on = match as_scalars {
            true => rows_transcript(&mut reader, store, &mut out),
            false => transcript(&mut reader, store, Some(start), &mut out),
        };
        if !read_on {
            return out;
        }
        if end < size {
            out.pop();
        }
        lines_before += reader.lines_read();
    }
    out.push(format!("{lines_before} lines"));
    out
}

/// Where `split_csv` may cut a file: just after a line-end byte that follows a row byte.
fn row_ends(bytes: &[u8]) -> Vec<u64> {
    let line_end = |b: u8| b == b'\n' || b == b'\r';
    (2..bytes.len())
        .filter(|&p| line_end(bytes[p - 1]) && !line_end(bytes[p - 2]))
        .map(|p| p as u64)
        .collect()
}

/// Asserts that both readers give the same for `bytes`, whole and cut at `cuts`, with
/// every set of stored fields.
fn assert_same(bytes: &[u8], cuts: &[u64]) {
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    for (store, as_scalars) in STORES.into_iter().flat_map(|s| [(s, false), (s, true)]) {
        let expected = by_csv_reader(file.path(), &store, !as_scalars);
        let read = |cuts: &[u64]| by_plain_reader(file.path(), cuts, &store, as_scalars);
        assert_eq!(read(&[]), expected, "whole file, as scalars: {as_scalars}");
        assert_eq!(
            read(cuts),
            expected,
            "cut at {cuts:?}, as scalars: {as_scalars}"
        );
    }
}

/// Asserts that both readers give the same for `text`, whole and cut at every row end.
fn assert_same_text(text: &str) {
    let bytes = text.as_bytes();
    for cut in row_ends(bytes) {
        assert_same(bytes, &[cut]);
    }
    assert_same(bytes, &row_ends(bytes));
}

/// A good row (`n` varies its cells).
fn good_row(n: u32) -> String {
    format!("note {n},c{n},{n},12.50,x,a,2025-01-02T03:04:05")
}

#[test]
fn good_rows_with_each_line_end() {
    let h = HEADER;
    let (r1, r2) = (good_row(1), good_row(2));
    assert_same_text(&format!("{h}\n{r1}\n{r2}\n"));
    assert_same_text(&format!("{h}\r\n{r1}\r\n{r2}\r\n"));
    assert_same_text(&format!("{h}\r{r1}\r{r2}\r"));
    assert_same_text(&format!("{h}\n{r1}\r\n{r2}\n"));
}

#[test]
fn a_last_line_without_a_line_end() {
    let h = HEADER;
    let (r1, r2) = (good_row(1), good_row(2));
    assert_same_text(&format!("{h}\n{r1}\n{r2}"));
    assert_same_text(&format!("{h}\r\n{r1}\r\n{r2}"));
    assert_same_text(h);
    assert_same_text(&format!("{h}\n"));
}

#[test]
fn empty_lines_are_skipped() {
    let h = HEADER;
    let (r1, r2) = (good_row(1), good_row(2));
    assert_same_text(&format!("\n\n{h}\n\n{r1}\n\n\n{r2}\n\n"));
    assert_same_text(&format!("\r\n{h}\r\n\r\n{r1}\r\n\r\n\r\n{r2}\r\n\r\n"));
    assert_same_text(&format!("{h}\n{r1}\r\r\n\r{r2}\n\r\n"));
    assert_same_text("");
}

#[test]
fn a_lone_carriage_return_ends_a_row() {
    let h = HEADER;
    let (r1, r2) = (good_row(1), good_row(2));
    assert_same_text(&format!("{h}\n{r1}\r{r2}\n"));
}

#[test]
fn bad_cells_are_reported_in_declared_order() {
    let h = HEADER;
    let rows = [
        good_row(1),
        "n,c2,1x,12.50,x,a,2025-01-02T03:04:05".into(),
        "n,c3,3,1.2.3,x,a,2025-01-02T03:04:05".into(),
        "n,c4,4,12.50,x,c,2025-02-30T00:00:00".into(),
        "n,,5,12.50,x,c,2025-01-02T03:04:05".into(),
        "n,c6,6,,x,,2025-01-02T03:04:05".into(),
        "n,c7,7,12.50,x,b,".into(),
        "n,c8,+8,-0.5,x,b,2025-01-02 03:04".into(),
        good_row(9),
    ];
    assert_same_text(&format!("{h}\n{}\n", rows.join("\n")));
    assert_same_text(&format!("{h}\r\n{}", rows.join("\r\n")));
}

#[test]
fn a_row_with_too_few_or_too_many_cells_stops_the_file() {
    let h = HEADER;
    let (r1, r2) = (good_row(1), good_row(2));
    assert_same_text(&format!("{h}\n{r1}\nn,c2,2,12.50,x,a\n{r2}\n"));
    assert_same_text(&format!("{h}\n{r1}\n{r2},more\n{r1}\n"));
    assert_same_text(&format!("{h}\r\n{r1}\r\n\r\n \r\n{r2}\r\n"));
    assert_same_text(&format!("{h}\n{r1}\n,\n"));
    assert_same_text(&format!("{h}\nn,c2,2,12.50,x,a\n{r1}\n{r2}\n"));
}

#[test]
fn invalid_utf8_is_reported_per_cell() {
    let h = HEADER.as_bytes();
    let r1 = good_row(1).into_bytes();
    let mut bytes = [h, b"\n", &r1, b"\n"].concat();
    bytes.extend_from_slice(b"n\xff,c2,2,12.50,x\xfe,a,2025-01-02T03:04:05\n");
    bytes.extend_from_slice(b"n,c\xff3,3,12.50,x,a,2025-01-02T03:04:05\r\n");
    bytes.extend_from_slice(b"n,c4,4,1x,x,\xe4\xb8,2025-01-02T03:04:05\n");
    bytes.extend_from_slice(b"n,c5,5,12.50,x,\xe4\xb8,bad\n");
    bytes.extend_from_slice(b"n,c6,6,12.50,x,a,2025-01-02T03:04:05\xc3");
    for cut in row_ends(&bytes) {
        assert_same(&bytes, &[cut]);
    }
}

#[test]
fn unicode_text_and_a_byte_order_mark() {
    let rows = "中文,客户一,1,12.50,é,a,2025-01-02T03:04:05\n😀,ü,2,3,—,b,2025-01-02T03:04:05Z\n";
    assert_same_text(&format!("\u{feff}{HEADER}\n{rows}"));
    assert_same_text(&format!("{HEADER}\n\u{feff}{rows}"));
}

#[test]
fn a_header_without_a_declared_column_fails_to_open() {
    assert_same_text("note,id,count\nn,c1,1\n");
    assert_same_text("note,id,count,amount,extra,kind,when,id\n");
}

#[test]
fn rows_across_blocks_and_a_row_longer_than_a_block() {
    let mut text = format!("{HEADER}\r\n");
    for n in 0..60_000 {
        text.push_str(&good_row(n));
        text.push_str(if n % 7 == 0 { "\n" } else { "\r\n" });
    }
    text.push_str(&format!("{}{}\r\n", "é".repeat(1_500_000), good_row(0)));
    text.push_str(&format!("{}\r\n", good_row(1)));
    let bytes = text.as_bytes();
    let cuts = row_ends(bytes);
    assert_same(bytes, &[cuts[cuts.len() / 3], cuts[cuts.len() - 3]]);
}

#[test]
fn many_rows_of_every_kind_read_alike_across_batches_up_to_a_row_that_stops_the_file() {
    // Mostly good rows (read off the marks a batch at a time), every other kind now and
    // then, each line end; a row with too few cells stops the file in the middle of a batch.
    let kinds = [
        0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 8, 0, 0, 10, 0, 11, 12, 0, 13,
    ];
    let mut lines: Vec<(u8, u8)> = (0..1_500u32)
        .map(|n| {
            let kind = kinds[(n * 7 % kinds.len() as u32) as usize];
            let end = [0, 0, 0, 1, 0, 2, 0, 4][(n * 5 % 8) as usize];
            (kind, end)
        })
        .collect();
    lines[1_100] = (6, 0);
    let bytes = generated_file(&lines, false);
    let ends = row_ends(&bytes);
    assert_same(&bytes, &[ends[ends.len() / 4], ends[ends.len() / 2]]);
}

/// The kinds of generated lines (the index varies a kind's cells).
fn generated_line(kind: u8, n: u32) -> Vec<u8> {
    let line = match kind {
        0 => good_row(n),
        1 => format!(",c{n},{n},,,,2025-01-02T03:04:05"),
        2 => format!("n,c{n},{n}x,12.50,x,a,2025-01-02T03:04:05"),
        3 => format!("n,c{n},{n},1.{n}.2,x,b,2025-01-02T03:04:05"),
        4 => format!("n,c{n},{n},12.50,x,c,2025-0{}-30T00:00:00", n % 4),
        5 => format!("n,,{n},12.50,x,a,2025-01-02T03:04:05"),
        6 => format!("n,c{n},{n},12.50,x,a"),
        7 => format!("{},more", good_row(n)),
        8 => String::new(),
        9 => " ".into(),
        10 => format!("中文{n},客户{n},{n},0.{n},é,b,2025-01-02T03:04:05"),
        11 => format!("n\0\t,c{n},{n},1,x,a,2025-01-02T03:04:05"),
        12 => {
            return [
                b"n\xff,c",
                n.to_string().as_bytes(),
                b",1,2,x\xfe,a,2025-01-02T03:04:05",
            ]
            .concat();
        }
        _ => {
            return [
                b"n,c",
                n.to_string().as_bytes(),
                b",1,2,x,\xe4\xb8,2025-01-02T03:04:05",
            ]
            .concat();
        }
    };
    line.into_bytes()
}

/// A generated file: the header, then lines of each kind with each line end.
fn generated_file(lines: &[(u8, u8)], bom: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    if bom {
        bytes.extend_from_slice("\u{feff}".as_bytes());
    }
    bytes.extend_from_slice(HEADER.as_bytes());
    bytes.extend_from_slice(b"\n");
    for (n, &(kind, end)) in lines.iter().enumerate() {
        bytes.extend(generated_line(kind, n as u32));
        bytes.extend_from_slice([&b"\n"[..], b"\r\n", b"\r", b"", b"\n\n"][usize::from(end)]);
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_files_read_alike(
        lines in prop::collection::vec((0u8..14, prop_oneof![4 => Just(0u8), 2 => Just(1u8), 1 => 2u8..5]), 0..40),
        bom in any::<bool>(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let bytes = generated_file(&lines, bom);
        let ends = row_ends(&bytes);
        let mut cuts: Vec<u64> = if ends.is_empty() { Vec::new() } else { picks.iter().map(|i| *i.get(&ends)).collect() };
        cuts.sort_unstable();
        cuts.dedup();
        assert_same(&bytes, &cuts);
    }
}

/// The line numbers `reader` gives the rows of a file (good or bad).
fn row_lines(reader: &mut dyn RowReader) -> Vec<u64> {
    let mut row = vec![Value::Null; 5];
    let mut lines = Vec::new();
    while let Ok(Some(result)) = reader.next_row(&mut row) {
        lines.push(result.unwrap_or_else(|problem| problem.line));
    }
    lines
}

#[test]
fn rows_are_numbered_by_their_physical_lines() {
    let h = HEADER;
    let (r1, r2, r3) = (good_row(1), good_row(2), good_row(3));
    let cases = [
        (format!("{h}\n{r1}\n{r2}\n{r3}\n"), [2, 3, 4]),
        (format!("{h}\r\n{r1}\r\n{r2}\r\n{r3}\r\n"), [2, 3, 4]),
        (format!("{h}\r{r1}\r{r2}\r{r3}"), [2, 3, 4]),
        (
            format!("\n\r\n{h}\n\n{r1}\r\n\r\n{r2}\r\r{r3}\n"),
            [5, 7, 9],
        ),
    ];
    for (text, expected) in cases {
        let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::fs::write(file.path(), &text).unwrap();
        let mut csv = CsvReader::open(file.path(), "orders", &fields()).unwrap();
        assert_eq!(row_lines(&mut csv), expected, "csv crate reader: {text:?}");
        let size = text.len() as u64;
        let mut plain =
            PlainCsvReader::open_range(file.path(), "orders", &fields(), 0..size, 0).unwrap();
        assert_eq!(row_lines(&mut plain), expected, "plain reader: {text:?}");
    }
    // A quoted cell may hold line ends: the next row is on the line after its last one.
    let text = format!("{h}\r\n\"a\r\nb\n\nc\",c1,1,2,x,a,2025-01-02T03:04:05\r\n{r2}\r\n");
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), &text).unwrap();
    let mut csv = CsvReader::open(file.path(), "orders", &fields()).unwrap();
    assert_eq!(row_lines(&mut csv), [2, 6]);
}
