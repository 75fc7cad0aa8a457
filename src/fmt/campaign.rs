//! Formatting stage: campaigns — clauses one per line in the author's order, variants as
//! blocks, and `do` statements (payload on one line when it fits, else one field per line).

use crate::syntax::ast::{
    CampaignClause, CampaignDecl, ClauseKind, DoStmt, Expr, RankKey, VariantDecl,
};

use super::expr::{At, Element, List, Piece, row, text};
use super::items::{label_suffix, quoted};
use super::layout::{INDENT, Layout, WIDTH, width};
use super::printer::Printer;

impl Printer<'_> {
    /// `campaign NAME ["label"] { clauses }`.
    pub(super) fn campaign(&mut self, decl: &CampaignDecl) {
        let header = format!(
            "campaign {}{}",
            decl.name.name,
            label_suffix(decl.label.as_ref())
        );
        let header_end = decl
            .label
            .as_ref()
            .map_or(decl.name.span.end, |l| l.span.end);
        let braces = (
            self.source.find(header_end, b'{'),
            decl.span.end.saturating_sub(1),
        );
        let clauses = &decl.clauses;
        let first = clauses.first().map(|c| c.span.start);
        self.block(0, header, braces, first, |p, seq| {
            let indent = seq.indent;
            p.sequence(
                clauses,
                seq,
                |c| c.span,
                |_, _| false,
                |p, _, clause| {
                    p.clause(clause, indent);
                },
            );
        });
    }

    /// One campaign clause.
    fn clause(&mut self, clause: &CampaignClause, indent: usize) {
        let end = clause.span.end;
        match &clause.kind {
            ClauseKind::Audience(audience) => {
                self.statement(indent, &[text("audience "), Piece::Expr(audience)], end);
            }
            ClauseKind::Priority(priority) => {
                self.push_code(indent, format!("priority {priority}"))
            }
            ClauseKind::Window(from, to) => self.push_code(
                indent,
                format!(
                    "window {} .. {}",
                    from.format("%Y-%m-%d"),
                    to.format("%Y-%m-%d")
                ),
            ),
            ClauseKind::Holdout(percent) => self.push_code(indent, format!("holdout {percent}%")),
            ClauseKind::Budget(budget) => self.push_code(indent, format!("budget {budget}")),
            ClauseKind::Cap(cap) => self.push_code(indent, format!("cap {cap}")),
            ClauseKind::RankBy(keys) => self.statement(indent, &rank_pieces(keys), end),
            ClauseKind::Salt(salt) => self.push_code(indent, format!("salt {}", quoted(salt))),
            ClauseKind::Do(stmt) => self.do_stmt(stmt, indent),
            ClauseKind::Variant(variant) => self.variant(variant, end, indent),
        }
    }

    /// `variant NAME ["label"] N% { do ... }`; `end` is where the clause ends.
    fn variant(&mut self, variant: &VariantDecl, end: u32, indent: usize) {
        let header = format!(
            "variant {}{} {}%",
            variant.name.name,
            label_suffix(variant.label.as_ref()),
            variant.weight
        );
        let braces = (
            self.source.find(variant.weight_span.end, b'{'),
            end.saturating_sub(1),
        );
        let actions = &variant.actions;
        let first = actions.first().map(|d| d.span.start);
        self.block(indent, header, braces, first, |p, seq| {
            let indent = seq.indent;
            p.sequence(
                actions,
                seq,
                |d| d.span,
                |_, _| false,
                |p, _, stmt| {
                    p.do_stmt(stmt, indent);
                },
            );
        });
    }

    /// `do ACTION(field: value, ...) [when EXPR]`.
    pub(super) fn do_stmt(&mut self, stmt: &DoStmt, indent: usize) {
        let open = self.source.find(stmt.action.span.end, b'(');
        let after_args = stmt.args.last().map_or(open + 1, |a| a.value.span.end);
        let parens = List {
            open,
            close: self.source.find(after_args, b')'),
            closing: ")",
            fill: false,
        };
        let elements = payload_elements(stmt);
        let head = format!("do {}(", stmt.action.name);
        let in_row = row(head.clone(), &elements, ")");
        let flat: usize = in_row.iter().map(Piece::flat_width).sum();
        let mut layout = if self.list_has_comments(&elements, &parens) || indent + flat > WIDTH {
            self.list_lines(Layout::text(head), &elements, &parens, At::line(indent))
        } else {
            self.pieces(&in_row, At::line(indent), parens.close + 1)
        };
        if let Some(condition) = &stmt.when {
            self.do_when(&mut layout, condition, parens.close, indent);
        }
        self.push_layout(indent, layout);
    }

    /// ` when EXPR` after the payload when it fits there (and no comment stands before it),
    /// else `when EXPR` on the next line, one level deeper.
    fn do_when(&mut self, layout: &mut Layout, condition: &Expr, close: u32, indent: usize) {
        let start = condition.span.start;
        let flat = width(&format!(" when {condition}"));
        let same_line = !self.comments.any_in(close + 1, start)
            && !self.has_slot_comments(condition)
            && layout.end_col(indent) + flat <= WIDTH;
        if same_line {
            layout.push_str(" when ");
            let at = At {
                indent: layout.last_indent(indent),
                col: layout.end_col(indent),
                reserve: 0,
            };
            layout.append(self.expr(condition, at));
            return;
        }
        let deeper = indent + INDENT;
        self.gap(layout, close + 1, start, deeper);
        let mut line = Layout::text("when ");
        let at = At {
            indent: deeper,
            col: deeper + width("when "),
            reserve: 0,
        };
        line.append(self.expr(condition, at));
        layout.push_line(deeper, line);
    }
}

/// The fields of a payload as list elements: `name: value`.
fn payload_elements(stmt: &DoStmt) -> Vec<Element<'_>> {
    stmt.args
        .iter()
        .map(|arg| Element {
            start: arg.name.span.start,
            pieces: vec![
                text(format!("{}: ", arg.name.name)),
                Piece::Expr(&arg.value),
            ],
            end: arg.value.span.end,
        })
        .collect()
}

/// `rank by KEY [asc|desc], ...` as pieces; a direction is written when the author wrote
/// one (or it is `desc`).
fn rank_pieces(keys: &[RankKey]) -> Vec<Piece<'_>> {
    let mut pieces = vec![text("rank by ")];
    for (k, key) in keys.iter().enumerate() {
        if k > 0 {
            pieces.push(text(", "));
        }
        pieces.push(Piece::Expr(&key.expr));
        match (key.descending, key.explicit_direction) {
            (true, _) => pieces.push(text(" desc")),
            (false, true) => pieces.push(text(" asc")),
            (false, false) => {}
        }
    }
    pieces
}
