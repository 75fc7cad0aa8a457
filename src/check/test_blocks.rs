//! Check stage: `test` blocks (LANGUAGE.md section 8) — records, params and every
//! `expect` refer to names the program declares, with values of fitting types.

use super::hir::{Field, Segmentation};
use super::schema::{literal_to_const, literal_type_name};
use super::suggest::help_for;
use super::types::{Type, comparable};
use super::{Checker, Decl};
use crate::check::CheckError;
use crate::syntax::Span;
use crate::syntax::ast::{self, DatasetExpectation, Expectation, TestStmtKind};

impl Checker<'_> {
    /// Checks every statement of every test.
    pub(super) fn check_tests(&mut self, items: &[&ast::Item], segmentations: &[Segmentation]) {
        for item in items {
            let ast::Item::Test(test) = item else {
                continue;
            };
            if !test
                .statements
                .iter()
                .any(|s| matches!(s.kind, TestStmtKind::AsOf(_)))
            {
                self.error(CheckError::Misplaced {
                    message: format!("test \"{}\" has no `as_of`", test.name.value),
                    span: test.name.span,
                    help: "add `as_of YYYY-MM-DD`: every test runs as of a date".into(),
                });
            }
            for stmt in &test.statements {
                self.test_statement(&stmt.kind, segmentations);
            }
        }
    }

    fn test_statement(&mut self, stmt: &TestStmtKind, segmentations: &[Segmentation]) {
        match stmt {
            TestStmtKind::AsOf(_) => {}
            TestStmtKind::Param(name, value) => self.test_param(name, value),
            TestStmtKind::Record(target, fields) => {
                if let Some(declared) = self.record_fields(target) {
                    self.test_record(target, &declared, fields);
                }
            }
            TestStmtKind::Load(target, _) => {
                self.record_fields(target);
            }
            TestStmtKind::Expect(expectation) => self.expectation(expectation, segmentations),
        }
    }

    fn test_param(&mut self, name: &ast::Ident, value: &ast::Literal) {
        let Some(param) = self.params.iter().find(|p| p.name == name.name).cloned() else {
            let help = help_for(
                &name.name,
                "param",
                self.params.iter().map(|p| p.name.as_str()),
            );
            self.error(CheckError::UnknownName {
                name: name.name.clone(),
                label: "not a `param`".into(),
                span: name.span,
                help,
            });
            return;
        };
        self.literal_fits(
            &param.ty,
            value,
            name.span,
            &format!("param `{}`", name.name),
        );
    }

    /// The fields of the entity or stream a record or `load` names.
    fn record_fields(&mut self, target: &ast::Ident) -> Option<Vec<Field>> {
        if let Some(entity) = self.entity.as_ref().filter(|e| e.name == target.name) {
            return Some(entity.fields.clone());
        }
        if let Some(stream) = self.streams.iter().find(|s| s.record.name == target.name) {
            return Some(stream.record.fields.clone());
        }
        let names: Vec<String> = self
            .entity
            .iter()
            .map(|e| e.name.clone())
            .chain(self.streams.iter().map(|s| s.record.name.clone()))
            .collect();
        let help = help_for(
            &target.name,
            "entity or events name",
            names.iter().map(String::as_str),
        );
        self.error(CheckError::UnknownName {
            name: target.name.clone(),
            label: "not the entity or an events stream".into(),
            span: target.span,
            help,
        });
        None
    }

    fn test_record(&mut self, target: &ast::Ident, declared: &[Field], given: &[ast::RecordField]) {
        for field in given {
            match declared.iter().find(|d| d.name == field.name.name) {
                Some(d) => self.literal_fits(
                    &d.ty,
                    &field.value,
                    field.value_span,
                    &format!("the field `{}`", d.name),
                ),
                None => self.unknown_field(&target.name, &field.name, declared),
            }
        }
        for d in declared.iter().filter(|d| !d.ty.nullable) {
            if !given.iter().any(|f| f.name.name == d.name) {
                self.error(CheckError::MissingRecordField {
                    record: target.name.clone(),
                    field: d.name.clone(),
                    field_type: d.ty.to_string(),
                    span: target.span,
                });
            }
        }
    }

    fn unknown_field(&mut self, record: &str, field: &ast::Ident, declared: &[Field]) {
        let help = help_for(
            &field.name,
            "field",
            declared.iter().map(|d| d.name.as_str()),
        );
        self.error(CheckError::UnknownField {
            record: record.into(),
            field: field.name.clone(),
            span: field.span,
            help,
        });
    }

    fn literal_fits(&mut self, ty: &Type, value: &ast::Literal, span: Span, context: &str) {
        if let Err(expected) = literal_to_const(value, ty) {
            self.error(CheckError::TypeMismatch {
                context: context.into(),
                expected,
                found: literal_type_name(value).into(),
                span,
                help: format!("write a value of type {ty}"),
            });
        }
    }

    fn expectation(&mut self, expectation: &Expectation, segmentations: &[Segmentation]) {
        match expectation {
            Expectation::InSegment { segment, .. } => self.expected_segment(segment, segmentations),
            Expectation::Compare {
                name,
                value,
                value_span,
                ..
            } => {
                if let Some(ty) = self.value_type(name) {
                    let literal = super::expr::literal(value, *value_span);
                    if !comparable(&ty, &literal.ty) {
                        self.mismatch(
                            &format!("`{}`", name.name),
                            &format!("a value comparable with {ty}"),
                            &literal,
                            "compare with a literal of the value's type",
                        );
                    }
                }
            }
            Expectation::IsNull { name, .. } => {
                self.value_type(name);
            }
            Expectation::Gets {
                action, from, with, ..
            } => {
                if let Some(fields) = self.expected_action(action) {
                    for field in with {
                        match fields.iter().find(|d| d.name == field.name.name) {
                            Some(d) => self.literal_fits(
                                &d.ty.clone().or_null(true),
                                &field.value,
                                field.value_span,
                                &format!("the payload field `{}`", d.name),
                            ),
                            None => self.unknown_field(&action.name, &field.name, &fields),
                        }
                    }
                }
                self.expected_campaign(from.as_ref());
            }
            Expectation::GetsNothing { from, .. } => self.expected_campaign(from.as_ref()),
            Expectation::Dataset(dataset) => self.dataset_expectation(dataset, segmentations),
        }
    }

    fn dataset_expectation(
        &mut self,
        dataset: &DatasetExpectation,
        segmentations: &[Segmentation],
    ) {
        match dataset {
            DatasetExpectation::Share { group, bound } => {
                self.expected_group(group, segmentations);
                self.bound_fits(bound, false);
            }
            DatasetExpectation::Count { group, bound } => {
                self.expected_group(group, segmentations);
                self.bound_fits(bound, true);
            }
            DatasetExpectation::Overlap {
                first,
                second,
                bound,
            } => {
                self.expected_group(first, segmentations);
                self.expected_group(second, segmentations);
                self.bound_fits(bound, true);
            }
            DatasetExpectation::Exhaustive { segmentation } => {
                if !matches!(
                    self.names.get(&segmentation.name),
                    Some((Decl::Segmentation(_), _))
                ) {
                    let candidates: Vec<&str> = self
                        .names
                        .iter()
                        .filter(|(_, (d, _))| matches!(d, Decl::Segmentation(_)))
                        .map(|(n, _)| n.as_str())
                        .collect();
                    let help = help_for(&segmentation.name, "segmentation", candidates);
                    let label = "not a segmentation".to_string();
                    self.error(CheckError::UnknownName {
                        name: segmentation.name.clone(),
                        label,
                        span: segmentation.span,
                        help,
                    });
                }
            }
        }
    }

    /// A group of a data-set expectation: a segment, `segmentation.segment`, a campaign or
    /// `campaign.variant` (`campaign.holdout` for its control group).
    fn expected_group(&mut self, group: &ast::SegmentRef, segmentations: &[Segmentation]) {
        let Some((Decl::Campaign, _)) = self.names.get(&group.first.name) else {
            self.expected_segment(group, segmentations);
            return;
        };
        let Some(variant) = &group.second else { return };
        let campaign = self
            .campaign_items
            .iter()
            .find(|c| c.name.name == group.first.name);
        let mut variants: Vec<String> = vec!["holdout".into()];
        variants.extend(
            campaign
                .into_iter()
                .flat_map(|c| &c.clauses)
                .filter_map(|clause| match &clause.kind {
                    ast::ClauseKind::Variant(v) => Some(v.name.name.clone()),
                    _ => None,
                }),
        );
        if campaign.is_some_and(|c| {
            !c.clauses
                .iter()
                .any(|cl| matches!(cl.kind, ast::ClauseKind::Variant(_)))
        }) {
            variants.push("treated".into());
        }
        if !variants.contains(&variant.name) {
            let help = help_for(
                &variant.name,
                "variant",
                variants.iter().map(String::as_str),
            );
            let label = format!("not a variant of `{}`", group.first.name);
            self.error(CheckError::UnknownName {
                name: variant.name.clone(),
                label,
                span: variant.span,
                help,
            });
        }
    }

    /// A count bound takes integers; a share bound takes percents or fractions.
    fn bound_fits(&mut self, bound: &ast::Bound, count: bool) {
        let (values, span) = match bound {
            ast::Bound::Between { low, high, span } => (vec![low, high], *span),
            ast::Bound::Compare { value, span, .. } => (vec![value], *span),
        };
        for value in values {
            let fits = match value {
                ast::Literal::Int(_) => true,
                ast::Literal::Decimal(_) | ast::Literal::Percent(_) => !count,
                _ => false,
            };
            if !fits {
                let expected = if count {
                    "an integer count"
                } else {
                    "a share such as `5%` or `0.05`"
                };
                self.error(CheckError::TypeMismatch {
                    context: "a data-set expectation".into(),
                    expected: expected.into(),
                    found: literal_type_name(value).into(),
                    span,
                    help: "write `count(vip) == 3`, `share(lifecycle.churned) between 5% and 20%`"
                        .into(),
                });
            }
        }
    }

    fn expected_segment(&mut self, segment: &ast::SegmentRef, segmentations: &[Segmentation]) {
        let first = &segment.first;
        match (
            &segment.second,
            self.names.get(&first.name).map(|(d, _)| *d),
        ) {
            (None, Some(Decl::Segment(_))) => {}
            (Some(inner), Some(Decl::Segmentation(i))) => {
                let rules = &segmentations[i].rules;
                if !rules.iter().any(|r| r.name == inner.name) {
                    let help = help_for(
                        &inner.name,
                        "segment",
                        rules.iter().map(|r| r.name.as_str()),
                    );
                    self.error(CheckError::UnknownSegment {
                        segmentation: first.name.clone(),
                        segment: inner.name.clone(),
                        span: inner.span,
                        help,
                    });
                }
            }
            _ => {
                let candidates: Vec<&str> = self
                    .names
                    .iter()
                    .filter(|(_, (d, _))| matches!(d, Decl::Segment(_) | Decl::Segmentation(_)))
                    .map(|(n, _)| n.as_str())
                    .collect();
                let help = help_for(&first.name, "segment", candidates);
                let label = "not a standalone segment or `segmentation.segment`".to_string();
                self.error(CheckError::UnknownName {
                    name: first.name.clone(),
                    label,
                    span: first.span,
                    help,
                });
            }
        }
    }

    /// The type of `"key".name`: an entity field, `let`, segment or segmentation.
    fn value_type(&mut self, name: &ast::Ident) -> Option<Type> {
        if let Some(field) = self
            .entity
            .as_ref()
            .and_then(|e| e.fields.iter().find(|f| f.name == name.name))
        {
            return Some(field.ty.clone());
        }
        match self.names.get(&name.name).map(|(d, _)| *d) {
            Some(Decl::Let(i)) => Some(self.let_expr(i).ty),
            Some(Decl::Segment(_)) => Some(Type::of(super::types::Ty::Bool)),
            Some(Decl::Segmentation(_)) => Some(Type::nullable(super::types::Ty::String)),
            _ => {
                let mut candidates: Vec<String> = self
                    .entity
                    .iter()
                    .flat_map(|e| e.fields.iter().map(|f| f.name.clone()))
                    .collect();
                candidates.extend(
                    self.names
                        .iter()
                        .filter(|(_, (d, _))| {
                            matches!(d, Decl::Let(_) | Decl::Segment(_) | Decl::Segmentation(_))
                        })
                        .map(|(n, _)| n.clone()),
                );
                candidates.sort();
                let help = help_for(&name.name, "name", candidates.iter().map(String::as_str));
                let label = "not an entity field, `let`, segment or segmentation".to_string();
                self.error(CheckError::UnknownName {
                    name: name.name.clone(),
                    label,
                    span: name.span,
                    help,
                });
                None
            }
        }
    }

    fn expected_action(&mut self, action: &ast::Ident) -> Option<Vec<Field>> {
        match self.names.get(&action.name).map(|(d, _)| *d) {
            Some(Decl::Action(i)) => Some(self.actions[i].fields.clone()),
            _ => {
                let help = help_for(
                    &action.name,
                    "action",
                    self.actions.iter().map(|a| a.name.as_str()),
                );
                self.error(CheckError::UnknownAction {
                    name: action.name.clone(),
                    span: action.span,
                    help,
                });
                None
            }
        }
    }

    fn expected_campaign(&mut self, campaign: Option<&ast::Ident>) {
        let Some(campaign) = campaign else { return };
        if matches!(self.names.get(&campaign.name), Some((Decl::Campaign, _))) {
            return;
        }
        let campaigns: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, (d, _))| matches!(d, Decl::Campaign))
            .map(|(n, _)| n.as_str())
            .collect();
        let help = help_for(&campaign.name, "campaign", campaigns);
        self.error(CheckError::UnknownName {
            name: campaign.name.clone(),
            label: "not a campaign".into(),
            span: campaign.span,
            help,
        });
    }
}
