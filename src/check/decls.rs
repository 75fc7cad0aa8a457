//! Check stage: collecting the program's declarations into one namespace.

use super::{Checker, Decl, LetState};
use crate::check::CheckError;
use crate::syntax::{Span, ast};

impl<'a> Checker<'a> {
    /// Registers every item name (reporting duplicates) and builds the schema items.
    pub(super) fn declare_all(&mut self, items: &[&'a ast::Item]) {
        let mut entity_seen: Option<Span> = None;
        for item in items {
            match item {
                ast::Item::Entity(record) => {
                    self.declare(&record.name, Decl::Entity);
                    if entity_seen.is_some() {
                        self.error(CheckError::EntityCount {
                            message: format!("a program has exactly one entity, but `{}` is a second one", record.name.name),
                            span: record.name.span,
                            help: "keep one `entity` per program; the events streams refer to it by its key".into(),
                        });
                    } else {
                        entity_seen = Some(record.name.span);
                        self.declare_entity(record);
                    }
                }
                ast::Item::Events(record) => {
                    self.declare(&record.name, Decl::Events(self.streams.len()));
                    self.declare_stream(record);
                }
                ast::Item::Param(param) => {
                    self.declare(&param.name, Decl::Param(self.params.len()));
                    self.declare_param(param);
                }
                ast::Item::Let(item) => {
                    self.declare(&item.name, Decl::Let(self.let_items.len()));
                    self.let_items.push(item);
                    self.let_states.push(LetState::Pending);
                }
                ast::Item::Segment(item) => {
                    self.declare(&item.name, Decl::Segment(self.segment_items.len()));
                    self.segment_items.push(item);
                }
                ast::Item::Segmentation(item) => {
                    self.declare(
                        &item.name,
                        Decl::Segmentation(self.segmentation_items.len()),
                    );
                    self.check_segment_names(item);
                    self.segmentation_items.push(item);
                }
                ast::Item::Action(action) => {
                    self.declare(&action.name, Decl::Action(self.actions.len()));
                    self.declare_action(action);
                }
                ast::Item::Campaign(campaign) => {
                    self.declare(&campaign.name, Decl::Campaign);
                    self.campaign_items.push(campaign);
                }
                ast::Item::Metric(metric) => self.declare(&metric.name, Decl::Metric),
                ast::Item::Import(_) | ast::Item::Policy(_) | ast::Item::Test(_) => {}
            }
        }
        if entity_seen.is_none() {
            let span = items.first().map_or_else(Span::default, |i| i.span());
            self.error(CheckError::EntityCount {
                message: "the program declares no entity".into(),
                span: Span {
                    end: span.start,
                    ..span
                },
                help: "declare one, e.g. `entity customer key customer_id { customer_id: string }`"
                    .into(),
            });
        }
        self.check_entity_field_clashes();
        self.check_stream_keys();
    }

    /// Adds a top-level name, or reports it as a duplicate.
    fn declare(&mut self, name: &ast::Ident, decl: Decl) {
        if let Some((_, first)) = self.names.get(&name.name) {
            let first = *first;
            self.error(duplicate(
                name,
                first,
                "rename one of them: items share one namespace",
            ));
            return;
        }
        self.names.insert(name.name.clone(), (decl, name.span));
    }

    /// Segment names must be unique within their segmentation.
    fn check_segment_names(&mut self, item: &ast::SegmentationDecl) {
        for (i, rule) in item.segments.iter().enumerate() {
            if let Some(first) = item.segments[..i]
                .iter()
                .find(|r| r.name.name == rule.name.name)
            {
                self.error(duplicate(
                    &rule.name,
                    first.name.span,
                    "segment names within a segmentation must differ",
                ));
            }
        }
    }

    /// Entity fields are names too: a `let`, `param` or segment may not reuse one.
    fn check_entity_field_clashes(&mut self) {
        let Some(entity) = &self.entity else { return };
        let mut clashes = Vec::new();
        for field in &entity.fields {
            if let Some((decl, span)) = self.names.get(&field.name)
                && !matches!(
                    decl,
                    Decl::Entity | Decl::Action(_) | Decl::Campaign | Decl::Metric
                )
            {
                clashes.push(CheckError::DuplicateName {
                        name: field.name.clone(),
                        span: *span,
                        first: (span.file == field.span.file).then_some(field.span),
                        help: "an entity field and a `let`, `param`, segment or events stream cannot share a name; rename one".into(),
                    });
            }
        }
        self.errors.extend(clashes);
    }
}

/// A duplicate-name error pointing at both definitions when they are in one file.
pub(super) fn duplicate(name: &ast::Ident, first: Span, help: &str) -> CheckError {
    CheckError::DuplicateName {
        name: name.name.clone(),
        span: name.span,
        first: (first.file == name.span.file).then_some(first),
        help: help.into(),
    }
}
