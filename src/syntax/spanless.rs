//! Syntax stage: span-blind comparison of trees.
//!
//! Two parses of the same program written differently give trees that differ only in their
//! spans; [`Module::without_spans`] erases those, so that `==` compares what was said.

use super::ast::{
    ActionDecl, BaseType, Bound, CampaignClause, CampaignDecl, ClauseKind, DatasetExpectation,
    DoStmt, Expectation, Expr, ExprKind, FieldDecl, Ident, Import, Item, LetDecl, MetricDecl,
    Module, NamedArg, ParamDecl, PolicyDecl, RankKey, RecordDecl, RecordField, SegmentCondition,
    SegmentDecl, SegmentRef, SegmentRule, SegmentationDecl, StrLit, TestDecl, TestStmt,
    TestStmtKind, TypeExpr, VariantDecl,
};
use super::span::{FileId, Span};

impl Module {
    /// A copy of this module with every span (and the file id) set to the default, so that
    /// two modules compare equal exactly when they say the same thing.
    pub fn without_spans(&self) -> Module {
        let mut copy = self.clone();
        copy.file = FileId::default();
        copy.items.erase_spans();
        copy
    }
}

/// Sets every span inside a node to [`Span::default`].
///
/// The implementations destructure every struct completely, so that a field added to the
/// tree later cannot be forgotten here.
trait EraseSpans {
    /// Erases the spans of this node and of everything below it.
    fn erase_spans(&mut self);
}

impl EraseSpans for Span {
    fn erase_spans(&mut self) {
        *self = Span::default();
    }
}

impl<T: EraseSpans> EraseSpans for Vec<T> {
    fn erase_spans(&mut self) {
        self.iter_mut().for_each(EraseSpans::erase_spans);
    }
}

impl<T: EraseSpans> EraseSpans for Option<T> {
    fn erase_spans(&mut self) {
        self.iter_mut().for_each(EraseSpans::erase_spans);
    }
}

impl<T: EraseSpans> EraseSpans for Box<T> {
    fn erase_spans(&mut self) {
        self.as_mut().erase_spans();
    }
}

impl EraseSpans for Ident {
    fn erase_spans(&mut self) {
        let Ident { name: _, span } = self;
        span.erase_spans();
    }
}

impl EraseSpans for StrLit {
    fn erase_spans(&mut self) {
        let StrLit { value: _, span } = self;
        span.erase_spans();
    }
}

impl EraseSpans for Item {
    fn erase_spans(&mut self) {
        match self {
            Item::Import(import) => import.erase_spans(),
            Item::Entity(record) | Item::Events(record) => record.erase_spans(),
            Item::Param(param) => param.erase_spans(),
            Item::Let(decl) => decl.erase_spans(),
            Item::Segment(segment) => segment.erase_spans(),
            Item::Segmentation(segmentation) => segmentation.erase_spans(),
            Item::Action(action) => action.erase_spans(),
            Item::Campaign(campaign) => campaign.erase_spans(),
            Item::Policy(policy) => policy.erase_spans(),
            Item::Metric(metric) => metric.erase_spans(),
            Item::Test(test) => test.erase_spans(),
        }
    }
}

impl EraseSpans for Import {
    fn erase_spans(&mut self) {
        let Import { path, span } = self;
        path.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for RecordDecl {
    fn erase_spans(&mut self) {
        let RecordDecl {
            kind: _,
            name,
            key_or_time,
            fields,
            span,
        } = self;
        name.erase_spans();
        key_or_time.erase_spans();
        fields.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for FieldDecl {
    fn erase_spans(&mut self) {
        let FieldDecl { name, ty, span } = self;
        name.erase_spans();
        ty.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for TypeExpr {
    fn erase_spans(&mut self) {
        let TypeExpr {
            base,
            nullable: _,
            span,
        } = self;
        if let BaseType::Enum(values) = base {
            values.erase_spans();
        }
        span.erase_spans();
    }
}

impl EraseSpans for ParamDecl {
    fn erase_spans(&mut self) {
        let ParamDecl {
            name,
            ty,
            default: _,
            span,
        } = self;
        name.erase_spans();
        ty.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for LetDecl {
    fn erase_spans(&mut self) {
        let LetDecl { name, value, span } = self;
        name.erase_spans();
        value.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for SegmentDecl {
    fn erase_spans(&mut self) {
        let SegmentDecl {
            name,
            label,
            condition,
            span,
        } = self;
        name.erase_spans();
        label.erase_spans();
        condition.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for SegmentationDecl {
    fn erase_spans(&mut self) {
        let SegmentationDecl {
            name,
            label,
            segments,
            span,
        } = self;
        name.erase_spans();
        label.erase_spans();
        segments.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for SegmentRule {
    fn erase_spans(&mut self) {
        let SegmentRule {
            name,
            label,
            condition,
            span,
        } = self;
        name.erase_spans();
        label.erase_spans();
        match condition {
            SegmentCondition::When(expr) => expr.erase_spans(),
            SegmentCondition::Otherwise(keyword) => keyword.erase_spans(),
        }
        span.erase_spans();
    }
}

impl EraseSpans for ActionDecl {
    fn erase_spans(&mut self) {
        let ActionDecl { name, fields, span } = self;
        name.erase_spans();
        fields.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for CampaignDecl {
    fn erase_spans(&mut self) {
        let CampaignDecl {
            name,
            label,
            clauses,
            span,
        } = self;
        name.erase_spans();
        label.erase_spans();
        clauses.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for CampaignClause {
    fn erase_spans(&mut self) {
        let CampaignClause { kind, span } = self;
        match kind {
            ClauseKind::Audience(expr) => expr.erase_spans(),
            ClauseKind::RankBy(keys) => keys.erase_spans(),
            ClauseKind::Do(stmt) => stmt.erase_spans(),
            ClauseKind::Variant(variant) => variant.erase_spans(),
            ClauseKind::Priority(_)
            | ClauseKind::Window(..)
            | ClauseKind::Holdout(_)
            | ClauseKind::Budget(_)
            | ClauseKind::Cap(_)
            | ClauseKind::Salt(_) => {}
        }
        span.erase_spans();
    }
}

impl EraseSpans for RankKey {
    fn erase_spans(&mut self) {
        let RankKey {
            expr,
            descending: _,
            explicit_direction: _,
        } = self;
        expr.erase_spans();
    }
}

impl EraseSpans for DoStmt {
    fn erase_spans(&mut self) {
        let DoStmt {
            action,
            args,
            when,
            span,
        } = self;
        action.erase_spans();
        args.erase_spans();
        when.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for NamedArg {
    fn erase_spans(&mut self) {
        let NamedArg { name, value } = self;
        name.erase_spans();
        value.erase_spans();
    }
}

impl EraseSpans for VariantDecl {
    fn erase_spans(&mut self) {
        let VariantDecl {
            name,
            label,
            weight: _,
            weight_span,
            actions,
        } = self;
        name.erase_spans();
        label.erase_spans();
        weight_span.erase_spans();
        actions.erase_spans();
    }
}

impl EraseSpans for PolicyDecl {
    fn erase_spans(&mut self) {
        let PolicyDecl {
            max_campaigns: _,
            max_span,
            span,
        } = self;
        max_span.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for MetricDecl {
    fn erase_spans(&mut self) {
        let MetricDecl {
            name,
            label,
            value,
            span,
        } = self;
        name.erase_spans();
        label.erase_spans();
        value.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for Expr {
    fn erase_spans(&mut self) {
        let Expr { kind, span } = self;
        kind.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for ExprKind {
    fn erase_spans(&mut self) {
        match self {
            ExprKind::Literal(_) => {}
            ExprKind::Name(name) => name.erase_spans(),
            ExprKind::Path(first, second) => {
                first.erase_spans();
                second.erase_spans();
            }
            ExprKind::Call { func, args, filter } => {
                func.erase_spans();
                args.erase_spans();
                filter.erase_spans();
            }
            ExprKind::Unary { op: _, operand } => operand.erase_spans(),
            ExprKind::Binary { op: _, lhs, rhs } => {
                lhs.erase_spans();
                rhs.erase_spans();
            }
            ExprKind::In {
                operand,
                list,
                negated: _,
            } => {
                operand.erase_spans();
                list.erase_spans();
            }
            ExprKind::Between {
                operand,
                low,
                high,
                negated: _,
            } => {
                operand.erase_spans();
                low.erase_spans();
                high.erase_spans();
            }
            ExprKind::IsNull {
                operand,
                negated: _,
            } => operand.erase_spans(),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                cond.erase_spans();
                then.erase_spans();
                otherwise.erase_spans();
            }
            ExprKind::Paren(inner) => inner.erase_spans(),
        }
    }
}

impl EraseSpans for TestDecl {
    fn erase_spans(&mut self) {
        let TestDecl {
            name,
            statements,
            span,
        } = self;
        name.erase_spans();
        statements.erase_spans();
        span.erase_spans();
    }
}

impl EraseSpans for TestStmt {
    fn erase_spans(&mut self) {
        let TestStmt { kind, span } = self;
        match kind {
            TestStmtKind::AsOf(_) => {}
            TestStmtKind::Param(name, _) => name.erase_spans(),
            TestStmtKind::Record(name, fields) => {
                name.erase_spans();
                fields.erase_spans();
            }
            TestStmtKind::Load(name, path) => {
                name.erase_spans();
                path.erase_spans();
            }
            TestStmtKind::Expect(expectation) => expectation.erase_spans(),
        }
        span.erase_spans();
    }
}

impl EraseSpans for RecordField {
    fn erase_spans(&mut self) {
        let RecordField {
            name,
            value: _,
            value_span,
        } = self;
        name.erase_spans();
        value_span.erase_spans();
    }
}

impl EraseSpans for SegmentRef {
    fn erase_spans(&mut self) {
        let SegmentRef { first, second } = self;
        first.erase_spans();
        second.erase_spans();
    }
}

impl EraseSpans for Expectation {
    fn erase_spans(&mut self) {
        match self {
            Expectation::InSegment {
                key,
                segment,
                negated: _,
            } => {
                key.erase_spans();
                segment.erase_spans();
            }
            Expectation::Compare {
                key,
                name,
                op: _,
                value: _,
                value_span,
            } => {
                key.erase_spans();
                name.erase_spans();
                value_span.erase_spans();
            }
            Expectation::IsNull {
                key,
                name,
                negated: _,
            } => {
                key.erase_spans();
                name.erase_spans();
            }
            Expectation::Gets {
                key,
                action,
                from,
                with,
            } => {
                key.erase_spans();
                action.erase_spans();
                from.erase_spans();
                with.erase_spans();
            }
            Expectation::GetsNothing { key, from } => {
                key.erase_spans();
                from.erase_spans();
            }
            Expectation::Dataset(dataset) => dataset.erase_spans(),
        }
    }
}

impl EraseSpans for DatasetExpectation {
    fn erase_spans(&mut self) {
        match self {
            DatasetExpectation::Share { group, bound }
            | DatasetExpectation::Count { group, bound } => {
                group.erase_spans();
                bound.erase_spans();
            }
            DatasetExpectation::Overlap {
                first,
                second,
                bound,
            } => {
                first.erase_spans();
                second.erase_spans();
                bound.erase_spans();
            }
            DatasetExpectation::Exhaustive { segmentation } => segmentation.erase_spans(),
        }
    }
}

impl EraseSpans for Bound {
    fn erase_spans(&mut self) {
        match self {
            Bound::Between {
                low: _,
                high: _,
                span,
            }
            | Bound::Compare {
                op: _,
                value: _,
                span,
            } => span.erase_spans(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::{FileId, parse_module};

    #[test]
    fn layout_does_not_matter_but_content_does() {
        let parse = |text: &str| parse_module(FileId(0), text).map(|m| m.without_spans());
        let one = parse("let a = f(x,  1)\ncampaign c { audience a do act(v: 1) }");
        let two = parse("let a =\n  f(x, 1)\n\n\ncampaign c {\n  audience a\n  do act(v: 1,)\n}");
        let other = parse("let a = f(x, 2)\ncampaign c { audience a do act(v: 1) }");
        assert!(one.is_ok());
        assert_eq!(one, two);
        assert_ne!(one, other);
    }
}
