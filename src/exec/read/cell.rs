//! Exec stage, readers: turning one cell's text into a typed value (LANGUAGE.md section 9).

use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::check::hir::Field;
use crate::check::types::{Ty, Type};
use crate::exec::scalar::Scalar;
use crate::exec::value::Value;

/// How many distinct strings a column shares before new ones are allocated unshared.
const STRING_CACHE_LIMIT: usize = 4096;

/// Once the shared strings are that many, the next this many cells decide whether looking
/// them up pays: if fewer than half are shared ones, the column (a key, an e-mail
/// address...) is read without sharing from then on.
const STRING_CACHE_TRIAL: u32 = 4096;

/// A column of cells of a block, for [`CellParser::scalar_column`]: cell `i` lies at
/// `spans[i]` of `block`, and its scalar goes to `slots[i * stride + offset]` (a text
/// scalar's place is in `block`).
pub struct CellColumn<'b, 's> {
    /// The block's bytes.
    pub block: &'b [u8],
    /// Whether the block is known to be valid UTF-8 (else each cell is checked).
    pub text: bool,
    /// Whether the scalars are wanted (else the cells are only checked).
    pub wanted: bool,
    /// Where each cell lies in the block.
    pub spans: &'b [(u32, u32)],
    /// The scalars of the rows, row after row.
    pub slots: &'s mut [Scalar],
    /// How many scalars a row has.
    pub stride: usize,
    /// Which of a row's scalars is this column's.
    pub offset: usize,
}

/// Parses the cells of one column, sharing repeated strings.
pub struct CellParser {
    /// The column's name.
    pub name: String,
    ty: Type,
    enum_values: Vec<Arc<str>>,
    strings: FxHashMap<Box<str>, Arc<str>>,
    /// Lookups and hits since the shared strings filled up.
    trial: (u32, u32),
}

impl CellParser {
    /// A parser for a declared field.
    pub fn new(field: &Field) -> CellParser {
        let enum_values = match &field.ty.ty {
            Ty::Enum(values) => values.iter().map(|v| Arc::from(v.as_str())).collect(),
            _ => Vec::new(),
        };
        CellParser {
            name: field.name.clone(),
            ty: field.ty.clone(),
            enum_values,
            strings: FxHashMap::default(),
            trial: (0, 0),
        }
    }

    /// The value of a cell's text, or what is wrong with it. An empty cell is null.
    pub fn parse(&mut self, text: &str) -> Result<Value, String> {
        if text.is_empty() {
            if self.ty.nullable {
                return Ok(Value::Null);
            }
            return Err(format!(
                "empty, but `{}` may not be null ({})",
                self.name, self.ty
            ));
        }
        match &self.ty.ty {
            Ty::Int => parse_int(text).map(Value::Int),
            Ty::Decimal => parse_decimal(text).map(Value::Decimal),
            Ty::Float => parse_float(text).map(Value::Float),
            Ty::Bool => parse_bool(text).map(Value::Bool),
            Ty::String => Ok(Value::Str(self.shared(text))),
            Ty::Enum(_) => self.enum_value(text),
            Ty::Date => parse_date(text).map(Value::Date),
            Ty::DateTime => parse_datetime(text).map(Value::DateTime),
            Ty::Duration | Ty::Null | Ty::Error => Err(format!("`{}` has no data type", self.name)),
        }
    }

    /// The scalar of a cell that the fast paths of [`CellParser::scalar_column`] (and
    /// [`CellParser::check`]) do not read, or what is wrong with it: through
    /// [`CellParser::parse`], which also says what is wrong.
    #[cold]
    fn other_scalar(&mut self, cell: &[u8]) -> Result<Scalar, String> {
        let text = std::str::from_utf8(cell).map_err(|_| "the cell is not valid UTF-8")?;
        let value = self.parse(text)?;
        Scalar::from_value(&value).ok_or_else(|| format!("`{}` holds no scalar", self.name))
    }

    /// Whether a cell's bytes would parse, without building its value.
    #[inline]
    pub fn check(&mut self, cell: &[u8]) -> Result<(), String> {
        match &self.ty.ty {
            _ if cell.is_empty() && self.ty.nullable => Ok(()),
            Ty::String if !cell.is_empty() => Ok(()),
            Ty::Enum(_) if self.is_enum_value(cell) => Ok(()),
            _ => self.other_scalar(cell).map(drop),
        }
    }

    /// The scalars of a column of cells at once (for a field not [`CellColumn::wanted`],
    /// only whether they parse, as [`CellParser::check`] says), read as
    /// [`CellParser::parse`] reads them but with text left in the block; `fail` is told the
    /// index of each bad cell and what is wrong with it. The loop is written once per kind
    /// of cell, with its fast path inlined: no cell is matched on its type.
    pub fn scalar_column(&mut self, column: CellColumn, fail: impl FnMut(usize, String)) {
        match &self.ty.ty {
            Ty::String => self.each_cell(column, fail, |_, cell, at, slot| {
                !cell.is_empty() && put(slot, Some(Scalar::text(at)))
            }),
            Ty::Enum(_) => self.each_cell(column, fail, |parser, cell, at, slot| {
                parser.is_enum_value(cell) && put(slot, Some(Scalar::text(at)))
            }),
            Ty::Decimal => self.each_cell(column, fail, |_, cell, _, slot| {
                put(slot, fast_decimal(cell).map(Scalar::Decimal))
            }),
            Ty::DateTime => self.each_cell(column, fail, |_, cell, _, slot| {
                put(slot, fast_datetime(cell).map(Scalar::DateTime))
            }),
            Ty::Date => self.each_cell(column, fail, |_, cell, _, slot| {
                put(slot, fast_date(cell).map(Scalar::Date))
            }),
            Ty::Bool => self.each_cell(column, fail, |_, cell, _, slot| {
                put(slot, fast_bool(cell).map(Scalar::Bool))
            }),
            Ty::Int => self.each_cell(column, fail, |_, cell, _, slot| {
                put(slot, fast_int(cell).map(Scalar::Int))
            }),
            _ => self.each_cell(column, fail, |_, _, _, _| false),
        }
    }

    /// The loop of [`CellParser::scalar_column`] for one kind of cell: `fast` reads the
    /// common cells into their slot (saying whether it did); the others go through the
    /// general parser ([`CellParser::parse`]).
    #[inline(always)]
    fn each_cell(
        &mut self,
        column: CellColumn,
        mut fail: impl FnMut(usize, String),
        fast: impl Fn(&CellParser, &[u8], Range<usize>, &mut Scalar) -> bool,
    ) {
        let rows = column.slots.chunks_exact_mut(column.stride);
        for (i, (&(start, end), row)) in column.spans.iter().zip(rows).enumerate() {
            let (at, Some(slot)) = (start as usize..end as usize, row.get_mut(column.offset))
            else {
                continue;
            };
            let cell = column.block.get(at.clone()).unwrap_or_default();
            if !column.text && std::str::from_utf8(cell).is_err() {
                fail(i, "the cell is not valid UTF-8".to_string());
                continue;
            }
            if fast(self, cell, at.clone(), slot) {
                continue;
            }
            let read = match column.wanted {
                true => self.other_scalar(cell).map(|scalar| *slot = scalar),
                false => self.check(cell),
            };
            if let Err(problem) = read {
                fail(i, problem);
            }
        }
    }

    /// Whether a cell is one of the enum's values (a value of another length or first
    /// byte is passed over without a call to `memcmp`).
    fn is_enum_value(&self, cell: &[u8]) -> bool {
        self.enum_values
            .iter()
            .any(|v| same_text(v.as_bytes(), cell))
    }

    /// Whether the column holds text (a `string` or an `enum`).
    pub fn is_text(&self) -> bool {
        matches!(self.ty.ty, Ty::String | Ty::Enum(_))
    }

    fn shared(&mut self, text: &str) -> Arc<str> {
        let full = self.strings.len() >= STRING_CACHE_LIMIT;
        if full && self.trial.0 >= STRING_CACHE_TRIAL {
            return Arc::from(text);
        }
        let found = self.strings.get(text).cloned();
        if full {
            self.trial.0 += 1;
            self.trial.1 += u32::from(found.is_some());
            if self.trial.0 == STRING_CACHE_TRIAL && self.trial.1 >= STRING_CACHE_TRIAL / 2 {
                self.trial = (0, 0);
            }
        }
        if let Some(s) = found {
            return s;
        }
        let s: Arc<str> = Arc::from(text);
        if !full {
            self.strings.insert(text.into(), s.clone());
        }
        s
    }

    fn enum_value(&self, text: &str) -> Result<Value, String> {
        match self.enum_values.iter().find(|v| ***v == *text) {
            Some(v) => Ok(Value::Str(v.clone())),
            None => {
                let allowed: Vec<String> = self
                    .enum_values
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect();
                Err(format!("`{text}` is not one of {}", allowed.join(", ")))
            }
        }
    }
}

fn parse_int(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{text}` is not an integer (digits with an optional sign; no point, exponent \
             or thousands separators)"
        ));
    }
    i64::from_str(text).map_err(|_| format!("`{text}` is outside the 64-bit integer range"))
}

/// A plain decimal: optional sign, digits, optional point and digits. No exponent,
/// no thousands separators.
#[inline]
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    match fast_decimal(text.as_bytes()) {
        Some(d) => Ok(d),
        None => parse_other_decimal(text),
    }
}

/// [`parse_decimal`] of the numbers that [`fast_decimal`] does not read.
#[cold]
fn parse_other_decimal(text: &str) -> Result<Decimal, String> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !plain(whole) || !plain(frac) || (body.contains('.') && frac.is_empty())
    {
        return Err(format!(
            "`{text}` is not a decimal number (digits with an optional sign and point; no \
             exponent or thousands separators)"
        ));
    }
    Decimal::from_str_exact(text)
        .map_err(|_| format!("`{text}` has more digits than a decimal holds (28)"))
}

/// Whether a number's text starts with `-`, and its text after any `-` or `+`.
#[inline(always)]
fn split_sign(b: &[u8]) -> (bool, &[u8]) {
    match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    }
}

/// A plain decimal of at most 18 digits, read without a general parser (the common
/// case); `None` for anything else, which the general path reads or rejects.
#[inline(always)]
fn fast_decimal(b: &[u8]) -> Option<Decimal> {
    let (negative, body) = split_sign(b);
    if body.len() > 19 {
        return None;
    }
    // At most 19 digits: no overflow in 64 unsigned bits.
    let mut mantissa = 0u64;
    let mut point = None;
    for (i, &c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(c - b'0'),
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    let digits = body.len() - usize::from(point.is_some());
    let scale = point.map_or(0, |p| body.len() - p - 1);
    if digits > 18 || point == Some(0) || (point.is_some() && scale == 0) || digits == 0 {
        return None;
    }
    if negative && mantissa == 0 {
        return None;
    }
    // At most 18 digits: the mantissa fits in the low two of the three 32-bit words, and
    // the scale is at most 18. (Built from its parts, the decimal stays in registers.)
    let (low, middle) = (mantissa as u32, (mantissa >> 32) as u32);
    Some(Decimal::from_parts(low, middle, 0, negative, scale as u32))
}

/// A finite float, written with digits, an optional sign, point and exponent. `NaN` and
/// infinities are no values; a number too large for a float (`1e309`), or too small to be
/// told from zero (`1e-400`), is refused rather than made infinite or zero.
fn parse_float(text: &str) -> Result<f64, String> {
    let ok_chars = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let nonzero = mantissa.bytes().any(|b| matches!(b, b'1'..=b'9'));
    match f64::from_str(text) {
        Ok(f) if ok_chars && f.is_finite() && (f != 0.0 || !nonzero) => Ok(f),
        Ok(f) if ok_chars && f.is_infinite() => Err(format!(
            "`{text}` is outside the range of a float (about ±1.8e308)"
        )),
        Ok(_) if ok_chars => Err(format!(
            "`{text}` is too close to zero for a float (below about 4.9e-324)"
        )),
        _ => Err(format!(
            "`{text}` is not a finite number (digits with an optional sign, point and \
             exponent; no `NaN`, infinities or thousands separators)"
        )),
    }
}

/// Whether two short texts are the same, their lengths and first bytes compared before
/// the rest (most enum values a cell is not are passed over without calling `memcmp`).
#[inline]
fn same_text(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a == b
}

/// Sets `slot` to `scalar` when there is one; whether there is. (Each kind of cell is
/// written to its slot where it is read: a scalar built on the stack and then copied was
/// read back, in one piece, from parts just written, which the processor cannot forward
/// and waits for.)
#[inline(always)]
fn put(slot: &mut Scalar, scalar: Option<Scalar>) -> bool {
    match scalar {
        Some(scalar) => {
            *slot = scalar;
            true
        }
        None => false,
    }
}

/// An int of at most 18 digits with an optional sign, read without a general parser;
/// `None` for anything else, which the general path reads or rejects.
fn fast_int(b: &[u8]) -> Option<i64> {
    let (negative, digits) = split_sign(b);
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n = 0i64;
    for &c in digits {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + i64::from(digit);
    }
    Some(if negative { -n } else { n })
}

/// `true`, `false`, `1` or `0` exactly; `None` for anything else (other cases of the
/// words go through [`parse_bool`]).
fn fast_bool(b: &[u8]) -> Option<bool> {
    match b {
        b"true" | b"1" => Some(true),
        b"false" | b"0" => Some(false),
        _ => None,
    }
}

fn parse_bool(text: &str) -> Result<bool, String> {
    if text.eq_ignore_ascii_case("true") || text == "1" {
        Ok(true)
    } else if text.eq_ignore_ascii_case("false") || text == "0" {
        Ok(false)
    } else {
        Err(format!("`{text}` is not a bool (true, false, 1 or 0)"))
    }
}

/// `YYYY-MM-DD`, a date that exists.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    if text.len() == 10
        && let Some((year, month, day)) = date_fields(text.as_bytes())
    {
        return NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| format!("`{text}` is not a date that exists"));
    }
    Err(format!("`{text}` is not a date (YYYY-MM-DD)"))
}

/// `YYYY-MM-DD`, a date that exists; `None` for anything else (which [`parse_date`]
/// says what is wrong with).
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 {
        return None;
    }
    let (year, month, day) = date_fields(b)?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// ISO 8601: `YYYY-MM-DDTHH:MM[:SS[.fff]]`, optionally with `Z` or `±HH:MM` (converted to
/// UTC). A space may stand for the `T`; a bare date is that day's 00:00:00.
#[inline]
pub fn parse_datetime(text: &str) -> Result<NaiveDateTime, String> {
    match fast_datetime(text.as_bytes()) {
        Some(dt) => Ok(dt),
        None => parse_other_datetime(text),
    }
}

/// [`parse_datetime`] of the forms that [`fast_datetime`] does not read.
#[cold]
fn parse_other_datetime(text: &str) -> Result<NaiveDateTime, String> {
    let bad =
        || format!("`{text}` is not a datetime (YYYY-MM-DDTHH:MM:SS, optionally with an offset)");
    let Some(dt) = general_datetime(text) else {
        // A datetime of the right shape on a day that does not exist says so.
        return match text.get(..10).map(parse_date) {
            Some(Err(e)) if e.ends_with("that exists") && text.len() > 10 => Err(format!(
                "`{text}` is not a datetime that exists (`{}` is no date)",
                &text[..10]
            )),
            _ => Err(bad()),
        };
    };
    // chrono reads a second `60` as a leap second, and drops fraction digits past nine.
    if dt.nanosecond() >= 1_000_000_000 {
        return Err(format!(
            "`{text}` is not a datetime that exists (second 60)"
        ));
    }
    let fraction = text.split_once('.').map_or("", |(_, f)| f);
    if fraction.bytes().take_while(u8::is_ascii_digit).count() > 9 {
        return Err(format!(
            "`{text}` has more than 9 fraction digits (nanoseconds are the finest datetime)"
        ));
    }
    Ok(dt)
}

/// Any of the datetime forms [`parse_datetime`] takes, as chrono reads them.
fn general_datetime(text: &str) -> Option<NaiveDateTime> {
    if text.len() == 10 {
        return parse_date(text).ok().map(|d| d.and_time(NaiveTime::MIN));
    }
    let normalized = text.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&normalized) {
        return Some(dt.naive_utc());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(&normalized, format) {
            return Some(dt.naive_utc());
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&normalized, format) {
            return Some(dt);
        }
    }
    None
}

/// `YYYY-MM-DDTHH:MM:SS` exactly (a space may stand for the `T`): the common case,
/// without a general parser.
#[inline(always)]
fn fast_datetime(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() != 19 || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let (year, month, day) = date_fields(b)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = digits_shaped(word_at(b, 11)?, &TIME)?;
    let (hour, minute, second) = (pair_at(time, 0), pair_at(time, 3), pair_at(time, 6));
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let time =
        NaiveTime::from_num_seconds_from_midnight_opt(hour * 3600 + minute * 60 + second, 0)?;
    Some(date.and_time(time))
}

/// The year, month and day written `YYYY-MM-DD` at the start of `b` (at least 10 bytes),
/// whether or not they make a date.
#[inline(always)]
fn date_fields(b: &[u8]) -> Option<(i32, u32, u32)> {
    let digits = digits_shaped(word_at(b, 0)?, &YEAR_MONTH)?;
    let day = two_digits(*b.get(8)?, *b.get(9)?)?;
    let year = pair_at(digits, 0) * 100 + pair_at(digits, 2);
    Some((year as i32, pair_at(digits, 5), day))
}

/// The number two ASCII digits write.
fn two_digits(tens: u8, ones: u8) -> Option<u32> {
    let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    (tens < 10 && ones < 10).then_some(u32::from(tens) * 10 + u32::from(ones))
}

/// The eight bytes at `at` of `b` as one word (byte `k` in bits `8k..8k+8`).
#[inline(always)]
fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let bytes = b.get(at..at + 8)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// How eight bytes are written: ASCII digits at some places, given bytes at the others.
struct Shape {
    /// `0xff` in each byte that is a digit.
    digits: u64,
    /// The other bytes (0 where digits are).
    others: u64,
}

impl Shape {
    /// The shape `pattern` draws: `d` for a digit, any other byte for itself.
    const fn of(pattern: &[u8; 8]) -> Shape {
        let mut shape = Shape {
            digits: 0,
            others: 0,
        };
        let mut i = 0;
        while i < 8 {
            match pattern[i] {
                b'd' => shape.digits |= 0xff << (8 * i),
                byte => shape.others |= (byte as u64) << (8 * i),
            }
            i += 1;
        }
        shape
    }
}

/// `YYYY-MM-`, the first eight bytes of a date.
const YEAR_MONTH: Shape = Shape::of(b"dddd-dd-");

/// `HH:MM:SS`.
const TIME: Shape = Shape::of(b"dd:dd:dd");

/// The digits of eight bytes (`word`) of the given shape, each byte's digit in that byte
/// of the result (0 for the other bytes); `None` when the bytes are not of that shape.
/// All eight bytes are checked at once.
#[inline(always)]
fn digits_shaped(word: u64, shape: &Shape) -> Option<u64> {
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    const HIGH_NIBBLES: u64 = u64::from_le_bytes([0xf0; 8]);
    const SIXES: u64 = u64::from_le_bytes([6; 8]);
    if word & !shape.digits != shape.others {
        return None;
    }
    // A byte is a digit when its high nibble is 3 and adding 6 keeps it so (no byte carries
    // into the next when every high nibble is 3).
    let digits = (word & shape.digits) | (ZEROS & !shape.digits);
    let all_digits = digits & HIGH_NIBBLES == ZEROS && (digits + SIXES) & HIGH_NIBBLES == ZEROS;
    all_digits.then(|| digits - ZEROS)
}

/// The number written by the digits in bytes `k` and `k + 1` of `digits` (see
/// [`digits_shaped`]).
#[inline(always)]
fn pair_at(digits: u64, k: u32) -> u32 {
    let byte = |k: u32| (digits >> (8 * k)) as u8 as u32;
    byte(k) * 10 + byte(k + 1)
}

#[cfg(test)]
mod decimal_tests {
    use super::*;

    #[test]
    fn the_fast_datetime_path_reads_exactly_what_the_general_parser_reads() {
        let cases = [
            "2026-06-30T23:59:59",
            "2026-06-30 00:00:00",
            "2024-02-29T12:30:01",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59",
        ];
        for text in cases {
            let fast = fast_datetime(text.as_bytes());
            assert!(fast.is_some(), "{text} should take the fast path");
            assert_eq!(fast, general_datetime(text), "{text}");
        }
        let others = [
            "2026-06-30T24:00:00",
            "2026-06-30T23:60:00",
            "2026-06-30T23:59:60",
            "2025-02-29T00:00:00",
            "2026-13-01T00:00:00",
            "2026-00-10T00:00:00",
            "2026-06-00T00:00:00",
            "2026-06-3OT00:00:00",
            "2026-06-30X00:00:00",
            "2026-06-30T00:00:00Z",
            "+026-06-30T00:00:00",
        ];
        for text in others {
            assert_eq!(fast_datetime(text.as_bytes()), None, "{text}");
        }
    }

    /// `date_fields` one byte at a time.
    fn date_one_byte_at_a_time(b: &[u8]) -> Option<(i32, u32, u32)> {
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let pair = |i: usize| two_digits(b[i], b[i + 1]);
        Some(((pair(0)? * 100 + pair(2)?) as i32, pair(5)?, pair(8)?))
    }

    /// `fast_datetime` one byte at a time.
    fn datetime_one_byte_at_a_time(b: &[u8]) -> Option<NaiveDateTime> {
        if b.len() != 19 || !matches!(b[10], b'T' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (year, month, day) = date_one_byte_at_a_time(b)?;
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        let pair = |i: usize| two_digits(b[i], b[i + 1]);
        let (hour, minute, second) = (pair(11)?, pair(14)?, pair(17)?);
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let seconds = hour * 3600 + minute * 60 + second;
        Some(date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)?))
    }

    #[test]
    fn every_byte_in_every_place_of_a_datetime_is_read_as_one_byte_at_a_time_reads_it() {
        for base in [&b"2024-02-29T12:30:01"[..], b"1999-12-31 23:59:59"] {
            for place in 0..base.len() {
                for byte in 0..=255u8 {
                    let mut text = base.to_vec();
                    text[place] = byte;
                    let expected = datetime_one_byte_at_a_time(&text);
                    assert_eq!(fast_datetime(&text), expected, "{text:?}");
                    let date = date_one_byte_at_a_time(&text);
                    assert_eq!(date_fields(&text[..10]), date, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn the_fast_int_bool_and_date_paths_read_what_the_general_parsers_read() {
        let ints = [
            "0",
            "7",
            "-0",
            "+3",
            "007",
            "-42",
            "123456789012345678",
            "x1",
            "1.5",
            "",
            "-",
            "+",
            "1 ",
            "٣",
        ];
        for text in ints {
            if let Some(fast) = fast_int(text.as_bytes()) {
                assert_eq!(Ok(fast), parse_int(text), "{text}");
            } else {
                assert!(
                    parse_int(text).is_err() || text.len() > 18,
                    "{text} is fast"
                );
            }
        }
        for text in ["true", "false", "1", "0", "TRUE", "False", "yes", "", "01"] {
            match fast_bool(text.as_bytes()) {
                Some(fast) => assert_eq!(Ok(fast), parse_bool(text), "{text}"),
                None => assert!(
                    text.chars().any(|c| c.is_ascii_uppercase()) || parse_bool(text).is_err()
                ),
            }
        }
        for text in [
            "2024-02-29",
            "2025-02-29",
            "2026-13-01",
            "2026-06-3O",
            "2026/06/30",
            "",
        ] {
            assert_eq!(fast_date(text.as_bytes()), parse_date(text).ok(), "{text}");
        }
    }

    #[test]
    fn the_fast_decimal_path_reads_exactly_what_the_general_parser_reads() {
        let cases = [
            "0",
            "12",
            "59.72",
            "1.50",
            "-1.5",
            "+3",
            "007.50",
            "0.000",
            "-12.30",
            "123456789012345678",
            "12345678901234567.8",
            "1234567890123456789",
            "9999999999999999999",
            "999999999999999999",
            "-999999999999999999",
            "0.5",
            "-0.5",
        ];
        for text in cases {
            let parts = |d: Decimal| (d, d.scale(), d.to_string(), d.serialize());
            let general = Decimal::from_str_exact(text).map(parts);
            let fast = fast_decimal(text.as_bytes()).map(parts);
            match fast {
                Some(fast) => assert_eq!(Ok(fast), general, "{text}"),
                None => assert!(text.len() > 18, "{text} should take the fast path"),
            }
        }
        for text in [
            "-0.0", "1.", ".5", "1e5", "1,5", "", "-", "1.2.3", "+", "-.", "1-2", ".",
        ] {
            assert_eq!(fast_decimal(text.as_bytes()), None, "{text}");
        }
    }
}

#[cfg(test)]
mod sharing_tests {
    use super::*;

    fn parser() -> CellParser {
        CellParser::new(&Field {
            name: "text".to_string(),
            ty: Type::of(Ty::String),
            span: Default::default(),
        })
    }

    fn shared_twice(parser: &mut CellParser, text: &str) -> bool {
        let (Ok(Value::Str(a)), Ok(Value::Str(b))) = (parser.parse(text), parser.parse(text))
        else {
            return false;
        };
        Arc::ptr_eq(&a, &b)
    }

    #[test]
    fn repeated_strings_stay_shared_after_the_cache_fills() {
        let mut parser = parser();
        for i in 0..STRING_CACHE_LIMIT {
            parser.parse(&i.to_string()).ok();
        }
        for round in 0..3 {
            for i in 0..STRING_CACHE_TRIAL as usize {
                parser.parse(&(i % 100).to_string()).ok();
                parser.parse(&format!("new {round} {i}")).ok();
            }
        }
        assert!(shared_twice(&mut parser, "7"));
    }

    #[test]
    fn a_column_of_distinct_strings_stops_looking_them_up() {
        let mut parser = parser();
        for i in 0..STRING_CACHE_LIMIT + STRING_CACHE_TRIAL as usize {
            parser.parse(&format!("key {i}")).ok();
        }
        assert!(!shared_twice(&mut parser, "key 7"));
        assert_eq!(
            parser.parse("key 7").ok().map(|v| v.text()),
            Some("key 7".to_string())
        );
    }
}
