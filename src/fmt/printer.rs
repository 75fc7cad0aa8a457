//! Formatting stage: the printer's state and the parts every construct shares — units,
//! sequences of children with the comments between them, and blocks in braces.

use crate::syntax::ast::Module;
use crate::syntax::{Comment, Span};

use super::layout::{INDENT, Layout, Line, Out, render};
use super::source::{Comments, Source};

/// Prints one module, writing back the comments of its text.
pub(super) fn print(module: &Module, text: &str, comments: Vec<Comment>) -> String {
    let mut printer = Printer {
        source: Source::new(text),
        comments: Comments::new(comments),
        out: Vec::new(),
        units: Vec::new(),
        group: 0,
    };
    printer.module(module);
    render(printer.out)
}

/// The printer: the source it reads layout facts from, the comments still to place, and the
/// output so far.
pub(super) struct Printer<'s> {
    pub(super) source: Source<'s>,
    pub(super) comments: Comments,
    out: Vec<Out>,
    units: Vec<Unit>,
    /// The alignment group of the lines being written (see [`Line::group`]).
    pub(super) group: usize,
}

/// A statement being printed: comments inside it that have no place of their own go on
/// lines before it.
struct Unit {
    /// Where in the output the next such comment goes.
    insert_at: usize,
    /// The statement's indentation.
    indent: usize,
}

/// How the children of a block (or the items of a file) are laid out.
pub(super) struct Seq {
    /// Their indentation.
    pub(super) indent: usize,
    /// Where the block ends (its `}`, or the end of the file).
    pub(super) close: u32,
}

impl Printer<'_> {
    /// Prints a statement: `render` writes its lines; comments inside it that nothing else
    /// placed are put on lines of their own before it.
    pub(super) fn unit(&mut self, indent: usize, end: u32, render: impl FnOnce(&mut Self)) {
        self.units.push(Unit {
            insert_at: self.out.len(),
            indent,
        });
        render(self);
        self.hoist_before(end);
        self.units.pop();
    }

    /// Moves every comment not yet placed that starts before `pos` to the lines before the
    /// current statement.
    pub(super) fn hoist_before(&mut self, pos: u32) {
        let comments = self.comments.take_before(pos);
        let Some(unit) = self.units.last_mut() else {
            self.out
                .extend(comments.into_iter().map(|c| Out::Line(Line::comment(0, c))));
            return;
        };
        for comment in comments {
            let line = Line::comment(unit.indent, comment);
            self.out.insert(unit.insert_at, Out::Line(line));
            unit.insert_at += 1;
        }
    }

    /// Writes a layout that starts a new line at `indent`.
    pub(super) fn push_layout(&mut self, indent: usize, layout: Layout) {
        let group = self.group;
        self.out.extend(layout.into_lines(indent).map(|mut line| {
            line.group = group;
            Out::Line(line)
        }));
    }

    /// Writes one line of code.
    pub(super) fn push_code(&mut self, indent: usize, code: impl Into<String>) {
        let mut line = Line::code(indent, code);
        line.group = self.group;
        self.out.push(Out::Line(line));
    }

    /// Writes a blank line.
    pub(super) fn push_blank(&mut self) {
        self.out.push(Out::Blank);
    }

    /// Puts the comment that follows `after` on its line (and before `limit`) at the end of
    /// the last line written. A line that already has a comment leaves it for later.
    pub(super) fn trailing(&mut self, after: u32, limit: u32) {
        let Some(Out::Line(line)) = self.out.last_mut() else {
            return;
        };
        if line.comment.is_some() {
            return;
        }
        if let Some(comment) = self.comments.take_trailing(&self.source, after, limit) {
            line.comment = Some(comment.text);
        }
    }

    /// Comments between `after` and `before`: the first one ends the layout's last line if it
    /// stands on the line of `after` (and that line has no comment yet); the others go on
    /// lines of their own at `indent`.
    pub(super) fn gap(&mut self, layout: &mut Layout, after: u32, before: u32, indent: usize) {
        if !layout.has_comment()
            && let Some(comment) = self.comments.take_trailing(&self.source, after, before)
        {
            layout.attach(comment);
        }
        for comment in self.comments.take_before(before) {
            layout.push_comment(indent, comment);
        }
    }

    /// Writes the comments before `pos` on lines of their own, keeping a blank line before
    /// each one that had one (except first in a block). `first` tells whether nothing was
    /// written in the block yet, and is updated.
    fn own_line_comments(&mut self, pos: u32, indent: usize, first: &mut bool, blank: bool) {
        let mut blank = blank;
        for comment in self.comments.take_before(pos) {
            if !*first && (blank || self.source.blank_before(comment.span.start)) {
                self.push_blank();
            }
            blank = false;
            *first = false;
            self.out.push(Out::Line(Line::comment(indent, comment)));
        }
    }

    /// Writes the children of a block (or the items of a file), each as a statement, with
    /// the comments between them; `blank(prev, next)` tells where a blank line is required,
    /// and the author's single blank lines are kept elsewhere.
    pub(super) fn sequence<T>(
        &mut self,
        children: &[T],
        seq: &Seq,
        span: impl Fn(&T) -> Span,
        blank: impl Fn(&T, &T) -> bool,
        mut render: impl FnMut(&mut Self, usize, &T),
    ) {
        let mut first = true;
        for (i, child) in children.iter().enumerate() {
            let child_span = span(child);
            let required = i > 0 && blank(&children[i - 1], child);
            let before = self.out.len();
            self.own_line_comments(child_span.start, seq.indent, &mut first, required);
            let commented = self.out.len() > before;
            let blank_here = (required && !commented) || self.source.blank_before(child_span.start);
            if !first && blank_here {
                self.push_blank();
            }
            first = false;
            self.unit(seq.indent, child_span.end, |p| render(p, i, child));
            let limit = children
                .get(i + 1)
                .map_or(seq.close, |next| span(next).start);
            self.trailing(child_span.end, limit);
        }
        self.own_line_comments(seq.close, seq.indent, &mut first, false);
    }

    /// Writes `header {`, the children, and `}`; `header {}` when nothing stands inside the
    /// braces. `braces` are the offsets of `{` and `}`; `first` is where the first child
    /// starts, if there is one.
    pub(super) fn block(
        &mut self,
        indent: usize,
        header: String,
        braces: (u32, u32),
        first: Option<u32>,
        children: impl FnOnce(&mut Self, &Seq),
    ) {
        let (open, close) = braces;
        self.hoist_before(open);
        if first.is_none() && !self.comments.any_in(open, close) {
            self.push_code(indent, format!("{header} {{}}"));
            return;
        }
        self.push_code(indent, format!("{header} {{"));
        self.trailing(open + 1, first.unwrap_or(close));
        let seq = Seq {
            indent: indent + INDENT,
            close,
        };
        children(self, &seq);
        self.push_code(indent, "}");
    }
}
