//! Report stage, HTML: escaping user text and writing numbers for people.

use unicode_width::UnicodeWidthStr;

pub(super) use crate::report::numbers::{group_digits, thousands};

/// `s` with `&`, `<`, `>`, `"` and `'` escaped, safe in text and in quoted attributes.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A number as written in outputs (`-1885.5`) with thousands separators (`-1,885.5`);
/// anything that is not a plain decimal number comes back unchanged.
pub(super) fn decimal(text: &str) -> String {
    let (sign, unsigned) = text
        .strip_prefix('-')
        .map_or(("", text), |rest| ("-", rest));
    let (whole, fraction) = unsigned
        .split_once('.')
        .map_or((unsigned, None), |(w, f)| (w, Some(f)));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return text.to_string();
    }
    let fraction = fraction.map_or(String::new(), |f| format!(".{f}"));
    format!("{sign}{}{fraction}", group_digits(whole))
}

/// A metric value: floats with many digits shortened to four decimals (the JSON keeps
/// all), then thousands separators.
pub(super) fn metric_value(text: &str) -> String {
    match (text.parse::<f64>(), text.split_once('.')) {
        (Ok(x), Some((_, fraction))) if fraction.len() > 4 => {
            let short = format!("{x:.4}");
            decimal(short.trim_end_matches('0').trim_end_matches('.'))
        }
        _ => decimal(text),
    }
}

/// A share (0.394) as a percentage (`39.4%`).
pub(super) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// `part / whole`, or 0 when `whole` is 0.
pub(super) fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// A rough width in pixels of `s` at `font_size` (wide CJK characters count double).
pub(super) fn text_width(s: &str, font_size: f64) -> f64 {
    s.width() as f64 * font_size * 0.6
}

/// A fixed-precision number for SVG coordinates (stable bytes, no `-0`).
pub(super) fn px(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0".to_string()
    } else {
        let text = format!("{rounded:.1}");
        text.strip_suffix(".0").map_or(text.clone(), str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(decimal("-1885.5"), "-1,885.5");
        assert_eq!(decimal("1e5"), "1e5");
        assert_eq!(decimal(""), "");
    }

    #[test]
    fn shortens_long_metric_values() {
        assert_eq!(metric_value("0.3323333333333333"), "0.3323");
        assert_eq!(metric_value("1247.6168333333"), "1,247.6168");
        assert_eq!(metric_value("0.10000001"), "0.1");
        assert_eq!(metric_value("3000"), "3,000");
    }

    #[test]
    fn coordinates_are_stable() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(-0.01), "0");
        assert_eq!(px(12.345), "12.3");
    }
}
