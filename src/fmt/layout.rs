//! Formatting stage: output lines, the pieces of layout that expressions and statements are
//! built from, and the final text (trailing comments aligned, one line end per line).

use std::collections::VecDeque;

use unicode_width::UnicodeWidthStr;

use crate::syntax::Comment;

/// The widest a line of code should be, in columns (trailing comments not counted).
pub(super) const WIDTH: usize = 100;

/// Columns added per level of indentation.
pub(super) const INDENT: usize = 2;

/// The columns a text takes on screen (a CJK character takes two).
pub(super) fn width(text: &str) -> usize {
    text.width()
}

/// `text` followed by spaces up to `columns` columns.
pub(super) fn pad(text: &str, columns: usize) -> String {
    let mut padded = text.to_string();
    padded.push_str(&" ".repeat(columns.saturating_sub(width(text))));
    padded
}

/// One output line: code with an optional trailing comment, or a comment alone (empty code).
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// Columns of indentation.
    pub(super) indent: usize,
    /// The code, without indentation.
    pub(super) code: String,
    /// The comment at the end of the line, `//` included.
    pub(super) comment: Option<String>,
    /// Trailing comments align only across lines of one group (one kind of item).
    pub(super) group: usize,
}

impl Line {
    /// A line of code.
    pub(super) fn code(indent: usize, code: impl Into<String>) -> Line {
        Line {
            indent,
            code: code.into(),
            comment: None,
            group: 0,
        }
    }

    /// A comment on a line of its own.
    pub(super) fn comment(indent: usize, comment: Comment) -> Line {
        Line {
            indent,
            code: String::new(),
            comment: Some(comment.text),
            group: 0,
        }
    }
}

/// An element of the output: a line, or a blank line between lines.
#[derive(Debug, Clone)]
pub(super) enum Out {
    /// An empty line.
    Blank,
    /// A line of code or comment.
    Line(Line),
}

/// Text that starts on the current line (its first line continues it) and may go on over
/// further lines, each with its own indentation.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    first: Line,
    rest: VecDeque<Line>,
}

/// `lines` followed by `more`, moving the shorter of the two: an expression nested deep
/// is built from the inside out, each level adding a line or two to the lines within.
fn join(lines: &mut VecDeque<Line>, mut more: VecDeque<Line>) {
    if more.len() > lines.len() {
        while let Some(line) = lines.pop_back() {
            more.push_front(line);
        }
        *lines = more;
    } else {
        lines.extend(more);
    }
}

impl Layout {
    /// One piece of text on the current line.
    pub(super) fn text(code: impl Into<String>) -> Layout {
        Layout {
            first: Line::code(0, code),
            rest: VecDeque::new(),
        }
    }

    /// The line that text is added to.
    fn last_mut(&mut self) -> &mut Line {
        match self.rest.back_mut() {
            Some(line) => line,
            None => &mut self.first,
        }
    }

    /// Adds text at the end of the last line.
    pub(super) fn push_str(&mut self, text: &str) {
        self.last_mut().code.push_str(text);
    }

    /// The column after the last line's code, when the first line started at `start_col`.
    pub(super) fn end_col(&self, start_col: usize) -> usize {
        match self.rest.back() {
            Some(line) => line.indent + width(&line.code),
            None => start_col + width(&self.first.code),
        }
    }

    /// The indentation of the last line, when the first line's is `start_indent`.
    pub(super) fn last_indent(&self, start_indent: usize) -> usize {
        self.rest.back().map_or(start_indent, |line| line.indent)
    }

    /// Continues the last line with `other` (whose first line joins it).
    pub(super) fn append(&mut self, other: Layout) {
        let last = self.last_mut();
        last.code.push_str(&other.first.code);
        last.comment = match (last.comment.take(), other.first.comment) {
            (Some(mine), Some(theirs)) => Some(format!("{mine}  {theirs}")),
            (mine, theirs) => mine.or(theirs),
        };
        join(&mut self.rest, other.rest);
    }

    /// Starts a new line at `indent` with `other`.
    pub(super) fn push_line(&mut self, indent: usize, other: Layout) {
        let mut first = other.first;
        first.indent = indent;
        self.rest.push_back(first);
        join(&mut self.rest, other.rest);
    }

    /// Puts a comment on a line of its own after the lines so far.
    pub(super) fn push_comment(&mut self, indent: usize, comment: Comment) {
        self.rest.push_back(Line::comment(indent, comment));
    }

    /// Whether the last line ends with a comment.
    pub(super) fn has_comment(&self) -> bool {
        self.rest.back().unwrap_or(&self.first).comment.is_some()
    }

    /// Puts `comment` at the end of the last line (see [`Layout::has_comment`]).
    pub(super) fn attach(&mut self, comment: Comment) {
        self.last_mut().comment = Some(comment.text);
    }

    /// The lines, the first one indented by `indent`.
    pub(super) fn into_lines(self, indent: usize) -> impl Iterator<Item = Line> {
        let mut first = self.first;
        first.indent = indent;
        std::iter::once(first).chain(self.rest)
    }
}

/// The final text: blank lines only between lines, trailing comments of consecutive lines
/// of one group aligned two columns after the longest code among them, a line end after
/// every line.
pub(super) fn render(out: Vec<Out>) -> String {
    let lines = trim_blanks(out);
    let columns = comment_columns(&lines);
    let mut text = String::new();
    for (line, column) in lines.iter().zip(columns) {
        if let Some(line) = line {
            write_line(&mut text, line, column);
        }
        text.push('\n');
    }
    text
}

/// The lines with blank lines (`None`) only between lines, never two in a row.
fn trim_blanks(out: Vec<Out>) -> Vec<Option<Line>> {
    let mut lines: Vec<Option<Line>> = Vec::new();
    for element in out {
        match element {
            Out::Line(line) => lines.push(Some(line)),
            Out::Blank if matches!(lines.last(), Some(Some(_))) => lines.push(None),
            Out::Blank => {}
        }
    }
    if matches!(lines.last(), Some(None)) {
        lines.pop();
    }
    lines
}

/// How much longer than the shortest line of its run a line's code may be and still have
/// its trailing comment aligned with the others'.
const ALIGN_SPREAD: usize = 30;

/// For each line, the column its trailing comment starts at.
///
/// Runs of consecutive lines of code of one group that all end with a comment share one
/// column, two columns after the longest code of the run; a line much longer than the
/// shortest of its run (see [`ALIGN_SPREAD`]) does not push the others' comments right,
/// and its own comment just follows its code.
fn comment_columns(lines: &[Option<Line>]) -> Vec<usize> {
    let mut columns = vec![0; lines.len()];
    let mut run_start = 0;
    for at in 0..=lines.len() {
        let group = |i: usize| lines.get(i).and_then(Option::as_ref).map(|l| l.group);
        let in_run = lines.get(at).and_then(code_width).is_some()
            && (at == run_start || group(at) == group(at - 1));
        if in_run {
            continue;
        }
        columns[run_start..at].fill(run_column(&lines[run_start..at]));
        run_start = if lines.get(at).and_then(code_width).is_some() {
            at
        } else {
            at + 1
        };
    }
    columns
}

/// The comment column of a run: two after its longest code, outliers left out.
fn run_column(run: &[Option<Line>]) -> usize {
    let widths: Vec<usize> = run.iter().filter_map(code_width).collect();
    let shortest = widths.iter().copied().min().unwrap_or(0);
    let widest = widths
        .into_iter()
        .filter(|&w| w <= shortest + ALIGN_SPREAD)
        .max();
    widest.map_or(0, |w| w + 2)
}

/// The end column of a line of code that has a trailing comment.
fn code_width(line: &Option<Line>) -> Option<usize> {
    let line = line.as_ref()?;
    (line.comment.is_some() && !line.code.is_empty()).then(|| line.indent + width(&line.code))
}

/// Writes one line (without its line end), its comment starting at `column` if it has code.
fn write_line(text: &mut String, line: &Line, column: usize) {
    let start = text.len();
    text.push_str(&" ".repeat(line.indent));
    text.push_str(line.code.trim_end());
    if let Some(comment) = &line.comment {
        if !line.code.is_empty() {
            let used = width(&text[start..]);
            text.push_str(&" ".repeat(column.saturating_sub(used).max(2)));
        }
        text.push_str(comment);
    }
}
