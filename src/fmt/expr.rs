//! Formatting stage: expressions. An expression is written flat (its canonical `Display`)
//! when it fits; otherwise its outermost construct breaks: a run of operators of one
//! precedence before each operator, `if` before `then` and `else` (these one level deeper
//! than the line they start on), a call or an `in` list one element per line. Other
//! expressions only break inside their operands.
//!
//! Comments inside an expression are kept where they stand when they fall where it can
//! break (such a comment breaks it); any other comment goes on a line of its own before
//! the statement.

use std::fmt::Write as _;

use crate::syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

use super::layout::{INDENT, Layout, WIDTH, width};
use super::printer::Printer;

/// Where an expression is written.
#[derive(Debug, Clone, Copy)]
pub(super) struct At {
    /// The indentation of the line it starts on.
    pub(super) indent: usize,
    /// The column it starts at.
    pub(super) col: usize,
    /// Columns that must stay free after it on its last line.
    pub(super) reserve: usize,
}

impl At {
    /// The start of a statement's line.
    pub(super) fn line(indent: usize) -> At {
        At {
            indent,
            col: indent,
            reserve: 0,
        }
    }
}

/// A part of a construct written in a row: fixed text, or an expression.
#[derive(Clone)]
pub(super) enum Piece<'e> {
    /// Text as it is.
    Text(String),
    /// An expression, laid out where it falls.
    Expr(&'e Expr),
}

impl Piece<'_> {
    /// Its width when written flat.
    pub(super) fn flat_width(&self) -> usize {
        match self {
            Piece::Text(text) => width(text),
            Piece::Expr(expr) => flat_text(expr).map_or(WIDTH + 1, |flat| width(&flat)),
        }
    }
}

/// The most bytes of an expression's flat text written to see whether it fits a line, so
/// that an expression nested 10,000 deep is not written out whole at each of its levels.
/// A character takes at most 4 bytes and most take a column or two: a longer text does not
/// fit, unless its strings hold hundreds of zero-width characters (it is then broken).
const FLAT_BYTES: usize = 4 * WIDTH;

/// An expression's flat text, or `None` when it is wider than a line ([`WIDTH`]) or longer
/// than [`FLAT_BYTES`].
fn flat_text(expr: &Expr) -> Option<String> {
    struct Capped(String);
    impl std::fmt::Write for Capped {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            if self.0.len() + s.len() > FLAT_BYTES {
                return Err(std::fmt::Error);
            }
            self.0.push_str(s);
            Ok(())
        }
    }
    let mut flat = Capped(String::new());
    write!(flat, "{expr}").ok()?;
    (width(&flat.0) <= WIDTH).then_some(flat.0)
}

/// Fixed text as a piece.
pub(super) fn text(text: impl Into<String>) -> Piece<'static> {
    Piece::Text(text.into())
}

/// A list in brackets as written: where its brackets stand, the closing bracket, and
/// whether its elements fill lines (rather than standing one per line) when it breaks.
pub(super) struct List {
    /// The offset of the opening bracket.
    pub(super) open: u32,
    /// The offset of the closing bracket.
    pub(super) close: u32,
    /// The closing bracket.
    pub(super) closing: &'static str,
    /// Whether elements fill lines.
    pub(super) fill: bool,
}

/// An element of a list in brackets (a call's arguments, an `in` list, a payload): where
/// it starts and ends, and its pieces.
pub(super) struct Element<'e> {
    /// Where its first token starts.
    pub(super) start: u32,
    /// What it is made of.
    pub(super) pieces: Vec<Piece<'e>>,
    /// Where its last token ends.
    pub(super) end: u32,
}

impl Printer<'_> {
    /// Lays out an expression starting at `at`.
    pub(super) fn expr(&mut self, expr: &Expr, at: At) -> Layout {
        if let Some(flat) = flat_text(expr)
            && at.col + width(&flat) + at.reserve <= WIDTH
            && !self.has_slot_comments(expr)
        {
            self.hoist_before(expr.span.end);
            return Layout::text(flat);
        }
        match &expr.kind {
            ExprKind::Binary { op, .. } => self.chain(expr, *op, at),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => self.if_else([cond, then, otherwise], at),
            ExprKind::Call { func, args, filter } => {
                let head = Layout::text(format!("{}(", func.name));
                let elements = call_elements(args, filter.as_deref());
                let list = self.call_parens(expr);
                self.list_lines(head, &elements, &list, at)
            }
            ExprKind::In {
                operand,
                list,
                negated,
            } => {
                let head_pieces = [Piece::Expr(operand), text(in_keyword(*negated))];
                let brackets = self.in_brackets(expr, operand);
                let head = self.pieces(&head_pieces, at, brackets.open);
                self.list_lines(head, &list_elements(list), &brackets, at)
            }
            _ => self.pieces(&pieces(expr), at, expr.span.end),
        }
    }

    /// Lays out pieces in a row, each expression where the text before it ends; comments
    /// before `end` that nothing placed go before the statement.
    pub(super) fn pieces(&mut self, pieces: &[Piece<'_>], at: At, end: u32) -> Layout {
        let mut layout = Layout::text("");
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Text(text) => layout.push_str(text),
                Piece::Expr(expr) => {
                    self.hoist_before(expr.span.start);
                    let rest: usize = pieces[i + 1..].iter().map(Piece::flat_width).sum();
                    let sub = self.expr(
                        expr,
                        At {
                            indent: layout.last_indent(at.indent),
                            col: layout.end_col(at.col),
                            reserve: rest + at.reserve,
                        },
                    );
                    layout.append(sub);
                }
            }
        }
        self.hoist_before(end);
        layout
    }

    /// `head` (ending in an opening bracket), then the elements one level deeper, each but
    /// the last followed by `,`, then the closing bracket on a line of its own. Elements go
    /// one per line, or (`fill`) as many per line as fit; a comment between two elements
    /// ends the line.
    pub(super) fn list_lines(
        &mut self,
        head: Layout,
        elements: &[Element<'_>],
        list: &List,
        at: At,
    ) -> Layout {
        self.hoist_before(list.open);
        let line_indent = head.last_indent(at.indent);
        let deeper = line_indent + INDENT;
        let mut layout = head;
        let mut after = list.open + 1;
        for (k, element) in elements.iter().enumerate() {
            let commented = self.comments.any_in(after, element.start);
            self.gap(&mut layout, after, element.start, deeper);
            let comma = if k + 1 < elements.len() { "," } else { "" };
            let flat: usize = element.pieces.iter().map(Piece::flat_width).sum();
            let col = layout.end_col(at.col) + 1;
            if list.fill && k > 0 && !commented && col + flat + comma.len() <= WIDTH {
                let element_at = At {
                    indent: deeper,
                    col,
                    reserve: comma.len(),
                };
                layout.push_str(" ");
                layout.append(self.pieces(&element.pieces, element_at, element.end));
            } else {
                let element_at = At {
                    indent: deeper,
                    col: deeper,
                    reserve: comma.len(),
                };
                let line = self.pieces(&element.pieces, element_at, element.end);
                layout.push_line(deeper, line);
            }
            layout.push_str(comma);
            after = element.end;
        }
        self.gap(&mut layout, after, list.close, deeper);
        layout.push_line(line_indent, Layout::text(list.closing));
        layout
    }

    /// Whether a list must go one element per line to keep a comment where it stands:
    /// between its brackets and elements, or where an element can break.
    pub(super) fn list_has_comments(&self, elements: &[Element<'_>], list: &List) -> bool {
        let mut after = list.open + 1;
        for element in elements {
            let slot_inside = element
                .pieces
                .iter()
                .any(|piece| matches!(piece, Piece::Expr(e) if self.has_slot_comments(e)));
            if slot_inside || self.comments.any_in(after, element.start) {
                return true;
            }
            after = element.end;
        }
        self.comments.any_in(after, list.close)
    }

    /// A call's parentheses (arguments one per line).
    fn call_parens(&self, call: &Expr) -> List {
        let open = match &call.kind {
            ExprKind::Call { func, .. } => self.source.find(func.span.end, b'('),
            _ => call.span.start,
        };
        List {
            open,
            close: call.span.end.saturating_sub(1),
            closing: ")",
            fill: false,
        }
    }

    /// The brackets of `x in [...]` (items fill lines).
    fn in_brackets(&self, expr: &Expr, operand: &Expr) -> List {
        List {
            open: self.source.find(operand.span.end, b'['),
            close: expr.span.end.saturating_sub(1),
            closing: "]",
            fill: true,
        }
    }

    /// A run of operators of one precedence (`a and b and c`, `a + b - c`, `a < b`) broken
    /// before each operator, the operands after the first one level deeper than the line
    /// the run starts on.
    fn chain(&mut self, expr: &Expr, op: BinaryOp, at: At) -> Layout {
        let (head, tail) = chain_operands(expr, precedence(op));
        let deeper = at.indent + INDENT;
        let head_at = At {
            indent: deeper,
            col: at.col,
            reserve: 0,
        };
        let mut layout = self.expr(head, head_at);
        let mut prev = head;
        for (k, (op, operand)) in tail.iter().enumerate() {
            self.gap(&mut layout, prev.span.end, operand.span.start, deeper);
            let prefix = format!("{} ", op.symbol());
            let reserve = if k + 1 == tail.len() { at.reserve } else { 0 };
            let operand_at = At {
                indent: deeper,
                col: deeper + width(&prefix),
                reserve,
            };
            let mut line = Layout::text(prefix);
            line.append(self.expr(operand, operand_at));
            layout.push_line(deeper, line);
            prev = operand;
        }
        layout
    }

    /// `if c` with `then a` and `else b` on lines one level deeper.
    fn if_else(&mut self, [cond, then, otherwise]: [&Expr; 3], at: At) -> Layout {
        let deeper = at.indent + INDENT;
        let cond_at = At {
            indent: deeper,
            col: at.col + width("if "),
            reserve: 0,
        };
        let mut layout = Layout::text("if ");
        layout.append(self.expr(cond, cond_at));
        let branches = [
            ("then ", cond, then, 0),
            ("else ", then, otherwise, at.reserve),
        ];
        for (keyword, prev, branch, reserve) in branches {
            self.gap(&mut layout, prev.span.end, branch.span.start, deeper);
            let branch_at = At {
                indent: deeper,
                col: deeper + width(keyword),
                reserve,
            };
            let mut line = Layout::text(keyword);
            line.append(self.expr(branch, branch_at));
            layout.push_line(deeper, line);
        }
        layout
    }

    /// Whether a comment not yet placed stands where the expression can break (between the
    /// operands of an operator, between the parts of an `if`, between the elements of a
    /// call or an `in` list), at any depth: such an expression is broken to keep the
    /// comment there.
    pub(super) fn has_slot_comments(&self, expr: &Expr) -> bool {
        match &expr.kind {
            ExprKind::Binary { op, .. } => {
                let (head, tail) = chain_operands(expr, precedence(*op));
                let mut prev = head;
                let mut found = self.has_slot_comments(head);
                for (_, operand) in tail {
                    found = found
                        || self.comments.any_in(prev.span.end, operand.span.start)
                        || self.has_slot_comments(operand);
                    prev = operand;
                }
                found
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.comments.any_in(cond.span.end, then.span.start)
                    || self.comments.any_in(then.span.end, otherwise.span.start)
                    || [cond, then, otherwise]
                        .iter()
                        .any(|e| self.has_slot_comments(e))
            }
            ExprKind::Call { args, filter, .. } => {
                let elements = call_elements(args, filter.as_deref());
                self.list_has_comments(&elements, &self.call_parens(expr))
            }
            ExprKind::In { operand, list, .. } => {
                self.has_slot_comments(operand)
                    || self
                        .list_has_comments(&list_elements(list), &self.in_brackets(expr, operand))
            }
            _ => pieces(expr)
                .iter()
                .any(|piece| matches!(piece, Piece::Expr(e) if self.has_slot_comments(e))),
        }
    }
}

/// How tightly an operator binds; operators of one precedence form one chain.
fn precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            3
        }
        BinaryOp::Add | BinaryOp::Sub => 4,
        BinaryOp::Mul | BinaryOp::Div => 5,
    }
}

/// The operands of a left-nested run of operators of one precedence: `a + b - c` gives
/// `a` and `[(+, b), (-, c)]`.
fn chain_operands(expr: &Expr, level: u8) -> (&Expr, Vec<(BinaryOp, &Expr)>) {
    match &expr.kind {
        ExprKind::Binary { op, lhs, rhs } if precedence(*op) == level => {
            let (head, mut tail) = chain_operands(lhs, level);
            tail.push((*op, rhs));
            (head, tail)
        }
        _ => (expr, Vec::new()),
    }
}

/// A call's arguments as list elements, the `where` filter with the first.
fn call_elements<'e>(args: &'e [Expr], filter: Option<&'e Expr>) -> Vec<Element<'e>> {
    let mut elements = list_elements(args);
    if let (Some(first), Some(filter)) = (elements.first_mut(), filter) {
        first.pieces.push(text(" where "));
        first.pieces.push(Piece::Expr(filter));
        first.end = filter.span.end;
    }
    elements
}

/// Expressions as list elements.
fn list_elements(list: &[Expr]) -> Vec<Element<'_>> {
    list.iter()
        .map(|e| Element {
            start: e.span.start,
            pieces: vec![Piece::Expr(e)],
            end: e.span.end,
        })
        .collect()
}

/// ` in [` or ` not in [`.
fn in_keyword(negated: bool) -> &'static str {
    if negated { " not in [" } else { " in [" }
}

/// An expression as pieces in a row; written flat, they give its `Display`.
fn pieces(expr: &Expr) -> Vec<Piece<'_>> {
    let not = |negated: bool| if negated { "not " } else { "" };
    match &expr.kind {
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Path(..) => {
            vec![text(expr.to_string())]
        }
        ExprKind::Call { func, args, filter } => {
            let elements = call_elements(args, filter.as_deref());
            row(format!("{}(", func.name), &elements, ")")
        }
        ExprKind::Unary { op, operand } => {
            let op = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Not => "not ",
            };
            vec![text(op), Piece::Expr(operand)]
        }
        ExprKind::Binary { op, lhs, rhs } => vec![
            Piece::Expr(lhs),
            text(format!(" {} ", op.symbol())),
            Piece::Expr(rhs),
        ],
        ExprKind::In {
            operand,
            list,
            negated,
        } => {
            let mut out = vec![Piece::Expr(operand)];
            out.extend(row(in_keyword(*negated), &list_elements(list), "]"));
            out
        }
        ExprKind::Between {
            operand,
            low,
            high,
            negated,
        } => vec![
            Piece::Expr(operand),
            text(format!(" {}between ", not(*negated))),
            Piece::Expr(low),
            text(" and "),
            Piece::Expr(high),
        ],
        ExprKind::IsNull { operand, negated } => {
            vec![
                Piece::Expr(operand),
                text(format!(" is {}null", not(*negated))),
            ]
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => vec![
            text("if "),
            Piece::Expr(cond),
            text(" then "),
            Piece::Expr(then),
            text(" else "),
            Piece::Expr(otherwise),
        ],
        ExprKind::Paren(inner) => vec![text("("), Piece::Expr(inner), text(")")],
    }
}

/// `opening` and `closing` around the pieces of elements separated by `, `.
pub(super) fn row<'e>(
    opening: impl Into<String>,
    elements: &[Element<'e>],
    closing: &str,
) -> Vec<Piece<'e>> {
    let mut out = vec![text(opening)];
    for (i, element) in elements.iter().enumerate() {
        if i > 0 {
            out.push(text(", "));
        }
        out.extend(element.pieces.iter().cloned());
    }
    out.push(text(closing));
    out
}
