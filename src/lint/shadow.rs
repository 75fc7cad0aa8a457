//! Lint stage: bare names inside `where` that are a field of the aggregated events and
//! also an outer name (`shadowed_name`); the event field wins.

use std::collections::HashMap;

use super::diagnostic::Lint;
use super::walk;
use crate::check::hir::{AggFunc, Hir, Stream};
use crate::syntax::Program;
use crate::syntax::ast::{Expr, ExprKind, Ident};

/// The population functions: their arguments are per entity even inside `where`.
const POPULATION_FUNCTIONS: [&str; 4] = ["ntile", "percentile", "percent_rank", "mean"];

/// The warnings about every `where` of the program.
pub(super) fn lints(program: &Program, hir: &Hir) -> Vec<Lint> {
    let outer = outer_names(hir);
    let mut lints = Vec::new();
    for e in walk::expressions(program) {
        let ExprKind::Call {
            args,
            filter: Some(filter),
            ..
        } = &e.kind
        else {
            continue;
        };
        let Some(stream) = args.first().and_then(|a| stream_of(hir, a)) else {
            continue;
        };
        let mut names = Vec::new();
        event_names(filter, &mut names);
        lints.extend(names.into_iter().filter_map(|name| {
            stream.record.field(&name.name)?;
            let kind = outer.get(name.name.as_str())?;
            Some(Lint::ShadowedName {
                name: name.name.clone(),
                stream: stream.record.name.clone(),
                outer: (*kind).to_string(),
                span: name.span,
            })
        }));
    }
    lints
}

/// The names outside `where`, with what each is; the entity key, which every stream
/// carries with the same meaning, is left out.
fn outer_names(hir: &Hir) -> HashMap<&str, &'static str> {
    let fields = hir
        .entity
        .fields
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != hir.key_field)
        .map(|(_, f)| (f.name.as_str(), "entity field"));
    let lets = hir.lets.iter().map(|l| (l.name.as_str(), "let"));
    let params = hir.params.iter().map(|p| (p.name.as_str(), "param"));
    let segments = hir.segments.iter().map(|s| (s.name.as_str(), "segment"));
    let segmentations = hir
        .segmentations
        .iter()
        .map(|s| (s.name.as_str(), "segmentation"));
    fields
        .chain(lets)
        .chain(params)
        .chain(segments)
        .chain(segmentations)
        .collect()
}

/// The stream an aggregate's first argument names (`orders`, `orders.amount`).
fn stream_of<'h>(hir: &'h Hir, arg: &Expr) -> Option<&'h Stream> {
    let (ExprKind::Name(stream) | ExprKind::Path(stream, _)) = &arg.unparenthesized().kind else {
        return None;
    };
    hir.streams.iter().find(|s| s.record.name == stream.name)
}

/// The bare names a `where` condition reads in its events' scope: not those inside a
/// nested aggregate (its own `where` is its own scope) or a population function (whose
/// argument is per entity).
fn event_names<'e>(e: &'e Expr, out: &mut Vec<&'e Ident>) {
    match &e.kind {
        ExprKind::Name(id) => out.push(id),
        ExprKind::Call { func, .. }
            if AggFunc::from_name(&func.name).is_some()
                || POPULATION_FUNCTIONS.contains(&func.name.as_str()) => {}
        _ => {
            for child in walk::children(e) {
                event_names(child, out);
            }
        }
    }
}
