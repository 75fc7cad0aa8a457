//! Language server: what every name of a parsed program stands for. Each declaration and
//! each use of a name is an [`Occurrence`] of a [`Symbol`]; hover, go to definition,
//! references and rename look names up here.
//!
//! Names resolve as the check stage resolves them (`as_of` first; inside `where`, the
//! aggregated stream's fields; then entity fields; then the other top-level names), but
//! from the syntax tree alone, so a program with check errors still has an index.

use std::collections::HashMap;

use crate::syntax::ast::{
    CampaignDecl, ClauseKind, DatasetExpectation, DoStmt, Expectation, Expr, ExprKind, Item,
    Module, RecordDecl, RecordKind, SegmentCondition, SegmentRef, TestStmtKind,
};
use crate::syntax::{Program, Span};

/// Something a name can stand for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// The entity (by its name).
    Entity(String),
    /// A field of the entity.
    EntityField(String),
    /// An events stream.
    Stream(String),
    /// A field of an events stream: stream, field.
    StreamField(String, String),
    /// A `param`.
    Param(String),
    /// A `let`.
    Let(String),
    /// A standalone segment.
    Segment(String),
    /// A segmentation.
    Segmentation(String),
    /// A segment of a segmentation: segmentation, segment.
    SegmentOf(String, String),
    /// An action.
    Action(String),
    /// A payload field of an action: action, field.
    ActionField(String, String),
    /// A campaign.
    Campaign(String),
    /// A metric.
    Metric(String),
}

impl Symbol {
    /// Whether rename may change it: a `let`, a segment or a param.
    pub fn is_renamable(&self) -> bool {
        matches!(
            self,
            Symbol::Let(_) | Symbol::Segment(_) | Symbol::SegmentOf(..) | Symbol::Param(_)
        )
    }

    /// What it is, in words ("a let", "a field of `orders`").
    pub fn describe(&self) -> String {
        match self {
            Symbol::Entity(_) => "the entity".into(),
            Symbol::EntityField(_) => "an entity field".into(),
            Symbol::Stream(_) => "an events stream".into(),
            Symbol::StreamField(stream, _) => format!("a field of `{stream}`"),
            Symbol::Param(_) => "a param".into(),
            Symbol::Let(_) => "a let".into(),
            Symbol::Segment(_) | Symbol::SegmentOf(..) => "a segment".into(),
            Symbol::Segmentation(_) => "a segmentation".into(),
            Symbol::Action(_) => "an action".into(),
            Symbol::ActionField(action, _) => format!("a payload field of `{action}`"),
            Symbol::Campaign(_) => "a campaign".into(),
            Symbol::Metric(_) => "a metric".into(),
        }
    }
}

/// One declaration or use of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// What the name stands for.
    pub symbol: Symbol,
    /// Where the name is written.
    pub span: Span,
    /// Whether this is the declaration.
    pub is_definition: bool,
}

/// Every occurrence of a name in a program.
#[derive(Debug, Default)]
pub struct Index {
    /// In the order the walk met them.
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    /// The index of a parsed program (all its files).
    pub fn new(program: &Program) -> Index {
        let names = Names::new(&program.modules);
        let mut walk = Walk {
            names: &names,
            index: Index::default(),
        };
        for module in &program.modules {
            walk.module(module);
        }
        walk.index
    }

    /// The occurrence whose name covers the byte `offset` of a file (its end included,
    /// so a cursor right after a name finds it).
    pub fn at(&self, span_file: crate::syntax::FileId, offset: u32) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.span.file == span_file && o.span.start <= offset && offset <= o.span.end)
    }

    /// The declaration of a symbol.
    pub fn definition(&self, symbol: &Symbol) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.is_definition && o.symbol == *symbol)
    }

    /// Every occurrence of a symbol, its declaration included.
    pub fn occurrences_of<'a>(
        &'a self,
        symbol: &'a Symbol,
    ) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| o.symbol == *symbol)
    }
}

/// The top-level names of a program, and the fields of its records.
struct Names {
    /// Name → what it declares (entity fields excluded).
    top: HashMap<String, Symbol>,
    /// The entity's name, if declared.
    entity: Option<String>,
    /// Entity field names.
    entity_fields: Vec<String>,
    /// Stream name → its field names.
    streams: HashMap<String, Vec<String>>,
}

impl Names {
    fn new(modules: &[Module]) -> Names {
        let mut names = Names {
            top: HashMap::new(),
            entity: None,
            entity_fields: Vec::new(),
            streams: HashMap::new(),
        };
        for item in modules.iter().flat_map(|m| &m.items) {
            names.declare(item);
        }
        names
    }

    /// Records the names one item declares (the first declaration of a name wins).
    fn declare(&mut self, item: &Item) {
        let (name, symbol) = match item {
            Item::Entity(record) => {
                self.entity = Some(record.name.name.clone());
                self.entity_fields = field_names(record);
                (&record.name, Symbol::Entity(record.name.name.clone()))
            }
            Item::Events(record) => {
                self.streams
                    .insert(record.name.name.clone(), field_names(record));
                (&record.name, Symbol::Stream(record.name.name.clone()))
            }
            Item::Param(p) => (&p.name, Symbol::Param(p.name.name.clone())),
            Item::Let(l) => (&l.name, Symbol::Let(l.name.name.clone())),
            Item::Segment(s) => (&s.name, Symbol::Segment(s.name.name.clone())),
            Item::Segmentation(s) => (&s.name, Symbol::Segmentation(s.name.name.clone())),
            Item::Action(a) => (&a.name, Symbol::Action(a.name.name.clone())),
            Item::Campaign(c) => (&c.name, Symbol::Campaign(c.name.name.clone())),
            Item::Metric(m) => (&m.name, Symbol::Metric(m.name.name.clone())),
            Item::Import(_) | Item::Policy(_) | Item::Test(_) => return,
        };
        self.top.entry(name.name.clone()).or_insert(symbol);
    }

    /// What a bare name in an expression stands for; `stream` when inside its `where`.
    fn value(&self, name: &str, stream: Option<&str>) -> Option<Symbol> {
        if let Some(stream) = stream
            && self.is_field_of(stream, name)
        {
            return Some(Symbol::StreamField(stream.into(), name.into()));
        }
        if self.entity_fields.iter().any(|f| f == name) {
            return Some(Symbol::EntityField(name.into()));
        }
        self.top.get(name).cloned()
    }

    /// What `a.b` stands for: a segmentation's segment, or a stream's field.
    fn path(&self, a: &str, b: &str) -> Option<(Symbol, Symbol)> {
        match self.top.get(a)? {
            Symbol::Segmentation(s) => Some((
                Symbol::Segmentation(s.clone()),
                Symbol::SegmentOf(s.clone(), b.into()),
            )),
            Symbol::Stream(s) => Some((
                Symbol::Stream(s.clone()),
                Symbol::StreamField(s.clone(), b.into()),
            )),
            _ => None,
        }
    }

    fn is_field_of(&self, stream: &str, name: &str) -> bool {
        self.streams
            .get(stream)
            .is_some_and(|fields| fields.iter().any(|f| f == name))
    }

    /// The symbol of a field of the record a test names (`member { ... }`).
    fn record_field(&self, record: &str, field: &str) -> Option<Symbol> {
        if self.entity.as_deref() == Some(record) {
            return Some(Symbol::EntityField(field.into()));
        }
        self.is_field_of(record, field)
            .then(|| Symbol::StreamField(record.into(), field.into()))
    }
}

fn field_names(record: &RecordDecl) -> Vec<String> {
    record.fields.iter().map(|f| f.name.name.clone()).collect()
}

/// The walk over the items that fills the index.
struct Walk<'n> {
    names: &'n Names,
    index: Index,
}

impl Walk<'_> {
    fn add(&mut self, symbol: Symbol, span: Span, is_definition: bool) {
        self.index.occurrences.push(Occurrence {
            symbol,
            span,
            is_definition,
        });
    }

    fn define(&mut self, symbol: Symbol, span: Span) {
        self.add(symbol, span, true);
    }

    fn refer(&mut self, symbol: Option<Symbol>, span: Span) {
        if let Some(symbol) = symbol {
            self.add(symbol, span, false);
        }
    }

    fn module(&mut self, module: &Module) {
        for item in &module.items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Entity(record) | Item::Events(record) => self.record(record),
            Item::Param(p) => self.define(Symbol::Param(p.name.name.clone()), p.name.span),
            Item::Let(l) => {
                self.define(Symbol::Let(l.name.name.clone()), l.name.span);
                self.expr(&l.value, None);
            }
            Item::Segment(s) => {
                self.define(Symbol::Segment(s.name.name.clone()), s.name.span);
                self.expr(&s.condition, None);
            }
            Item::Segmentation(s) => {
                let name = &s.name.name;
                self.define(Symbol::Segmentation(name.clone()), s.name.span);
                for rule in &s.segments {
                    let symbol = Symbol::SegmentOf(name.clone(), rule.name.name.clone());
                    self.define(symbol, rule.name.span);
                    if let SegmentCondition::When(e) = &rule.condition {
                        self.expr(e, None);
                    }
                }
            }
            Item::Action(a) => {
                self.define(Symbol::Action(a.name.name.clone()), a.name.span);
                for field in &a.fields {
                    let symbol = Symbol::ActionField(a.name.name.clone(), field.name.name.clone());
                    self.define(symbol, field.name.span);
                }
            }
            Item::Campaign(c) => self.campaign(c),
            Item::Metric(m) => {
                self.define(Symbol::Metric(m.name.name.clone()), m.name.span);
                self.expr(&m.value, None);
            }
            Item::Test(t) => {
                for statement in &t.statements {
                    self.test_statement(&statement.kind);
                }
            }
            Item::Import(_) | Item::Policy(_) => {}
        }
    }

    fn record(&mut self, record: &RecordDecl) {
        let name = record.name.name.clone();
        let (own, field): (Symbol, fn(&str, &str) -> Symbol) = match record.kind {
            RecordKind::Entity => (Symbol::Entity(name.clone()), |_, f| {
                Symbol::EntityField(f.into())
            }),
            RecordKind::Events => (Symbol::Stream(name.clone()), |s, f| {
                Symbol::StreamField(s.into(), f.into())
            }),
        };
        self.define(own, record.name.span);
        for f in &record.fields {
            self.define(field(&name, &f.name.name), f.name.span);
        }
        if let Some(key) = &record.key_or_time {
            self.refer(Some(field(&name, &key.name)), key.span);
        }
    }

    fn campaign(&mut self, campaign: &CampaignDecl) {
        self.define(
            Symbol::Campaign(campaign.name.name.clone()),
            campaign.name.span,
        );
        for clause in &campaign.clauses {
            match &clause.kind {
                ClauseKind::Audience(e) => self.expr(e, None),
                ClauseKind::RankBy(keys) => keys.iter().for_each(|k| self.expr(&k.expr, None)),
                ClauseKind::Do(stmt) => self.do_stmt(stmt),
                ClauseKind::Variant(v) => v.actions.iter().for_each(|stmt| self.do_stmt(stmt)),
                ClauseKind::Priority(_)
                | ClauseKind::Window(..)
                | ClauseKind::Holdout(_)
                | ClauseKind::Budget(_)
                | ClauseKind::Cap(_)
                | ClauseKind::Salt(_) => {}
            }
        }
    }

    fn do_stmt(&mut self, stmt: &DoStmt) {
        let action = &stmt.action.name;
        self.refer(Some(Symbol::Action(action.clone())), stmt.action.span);
        for arg in &stmt.args {
            let field = Symbol::ActionField(action.clone(), arg.name.name.clone());
            self.refer(Some(field), arg.name.span);
            self.expr(&arg.value, None);
        }
        if let Some(when) = &stmt.when {
            self.expr(when, None);
        }
    }

    /// The names of an expression; `stream` when inside that stream's `where`.
    fn expr(&mut self, expr: &Expr, stream: Option<&str>) {
        match &expr.kind {
            ExprKind::Literal(_) => {}
            ExprKind::Name(id) => self.refer(self.names.value(&id.name, stream), id.span),
            ExprKind::Path(a, b) => {
                if let Some((first, second)) = self.names.path(&a.name, &b.name) {
                    self.refer(Some(first), a.span);
                    self.refer(Some(second), b.span);
                }
            }
            ExprKind::Call { args, filter, .. } => {
                args.iter().for_each(|arg| self.expr(arg, stream));
                if let Some(filter) = filter {
                    let aggregated = args.first().and_then(|a| self.stream_of(a));
                    self.expr(filter, aggregated.as_deref().or(stream));
                }
            }
            ExprKind::Unary { operand, .. }
            | ExprKind::IsNull { operand, .. }
            | ExprKind::Paren(operand) => self.expr(operand, stream),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, stream);
                self.expr(rhs, stream);
            }
            ExprKind::In { operand, list, .. } => {
                self.expr(operand, stream);
                list.iter().for_each(|item| self.expr(item, stream));
            }
            ExprKind::Between {
                operand, low, high, ..
            } => {
                self.expr(operand, stream);
                self.expr(low, stream);
                self.expr(high, stream);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond, stream);
                self.expr(then, stream);
                self.expr(otherwise, stream);
            }
        }
    }

    /// The stream an aggregate's first argument reads (`orders` or `orders.amount`).
    fn stream_of(&self, arg: &Expr) -> Option<String> {
        let name = match &arg.kind {
            ExprKind::Name(id) | ExprKind::Path(id, _) => &id.name,
            _ => return None,
        };
        self.names.streams.contains_key(name).then(|| name.clone())
    }

    fn test_statement(&mut self, statement: &TestStmtKind) {
        match statement {
            TestStmtKind::AsOf(_) => {}
            TestStmtKind::Param(name, _) => {
                self.refer(Some(Symbol::Param(name.name.clone())), name.span);
            }
            TestStmtKind::Record(record, fields) => {
                self.refer(self.names.top.get(&record.name).cloned(), record.span);
                for field in fields {
                    let symbol = self.names.record_field(&record.name, &field.name.name);
                    self.refer(symbol, field.name.span);
                }
            }
            TestStmtKind::Load(record, _) => {
                self.refer(self.names.top.get(&record.name).cloned(), record.span);
            }
            TestStmtKind::Expect(expectation) => self.expectation(expectation),
        }
    }

    fn expectation(&mut self, expectation: &Expectation) {
        match expectation {
            Expectation::InSegment { segment, .. } => self.segment_ref(segment),
            Expectation::Compare { name, .. } | Expectation::IsNull { name, .. } => {
                self.refer(self.names.value(&name.name, None), name.span);
            }
            Expectation::Gets {
                action, from, with, ..
            } => {
                self.refer(Some(Symbol::Action(action.name.clone())), action.span);
                if let Some(campaign) = from {
                    self.refer(Some(Symbol::Campaign(campaign.name.clone())), campaign.span);
                }
                for field in with {
                    let symbol = Symbol::ActionField(action.name.clone(), field.name.name.clone());
                    self.refer(Some(symbol), field.name.span);
                }
            }
            Expectation::GetsNothing { from, .. } => {
                if let Some(campaign) = from {
                    self.refer(Some(Symbol::Campaign(campaign.name.clone())), campaign.span);
                }
            }
            Expectation::Dataset(dataset) => match dataset {
                DatasetExpectation::Share { group, .. }
                | DatasetExpectation::Count { group, .. } => self.segment_ref(group),
                DatasetExpectation::Overlap { first, second, .. } => {
                    self.segment_ref(first);
                    self.segment_ref(second);
                }
                DatasetExpectation::Exhaustive { segmentation } => {
                    let symbol = self.names.top.get(&segmentation.name).cloned();
                    self.refer(symbol, segmentation.span);
                }
            },
        }
    }

    /// `segment`, `segmentation.segment`, `campaign` or `campaign.variant` in a test.
    fn segment_ref(&mut self, group: &SegmentRef) {
        let first = self.names.top.get(&group.first.name).cloned();
        if let (Some(Symbol::Segmentation(s)), Some(second)) = (&first, &group.second) {
            let symbol = Symbol::SegmentOf(s.clone(), second.name.clone());
            self.refer(Some(symbol), second.span);
        }
        self.refer(first, group.first.span);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::syntax::{FileId, load_program_from_text};

    const PROGRAM: &str = r#"entity member key id {
  id: string
  amount: decimal
  city: string?
}

events orders time at {
  id: string
  at: datetime
  amount: decimal
}

param lapse: int = 30
let spend = sum(orders.amount where amount > 1 and at > as_of - days(lapse))
let big = amount > 100
segment vip "大客户" when big and city == "上海"
segmentation tier {
  segment high when spend > 10
  segment rest otherwise
}
action coupon { value: decimal }
campaign c {
  audience tier.high and vip
  do coupon(value: amount)
}
test "t" {
  as_of 2026-06-30
  member { id: "m1", amount: 1 }
  expect "m1" in tier.high
  expect "m1".spend == 0
  expect "m1" gets coupon from c with { value: 1 }
}
"#;

    fn symbol_at(index: &Index, needle: &str, nth: usize) -> Option<Symbol> {
        let at = PROGRAM
            .match_indices(needle)
            .nth(nth)
            .map(|(at, _)| at)
            .unwrap_or_else(|| panic!("{needle:?} #{nth} is in the program"));
        index.at(FileId(0), at as u32).map(|o| o.symbol.clone())
    }

    #[test]
    fn names_resolve_as_the_check_stage_resolves_them() {
        let Ok(program) = load_program_from_text(Path::new("t.seg"), PROGRAM) else {
            panic!("the program parses");
        };
        let index = Index::new(&program);
        let s = String::from;
        let cases: Vec<(&str, usize, Option<Symbol>)> = vec![
            ("key id", 0, None),
            ("id {", 0, Some(Symbol::EntityField(s("id")))),
            ("orders.amount", 0, Some(Symbol::Stream(s("orders")))),
            (
                "amount where",
                0,
                Some(Symbol::StreamField(s("orders"), s("amount"))),
            ),
            // Inside `where`, the stream's field first.
            (
                "amount > 1",
                0,
                Some(Symbol::StreamField(s("orders"), s("amount"))),
            ),
            (
                "at > as_of",
                0,
                Some(Symbol::StreamField(s("orders"), s("at"))),
            ),
            ("as_of", 0, None),
            ("days(", 0, None),
            ("lapse))", 0, Some(Symbol::Param(s("lapse")))),
            // Outside, the entity's.
            ("amount > 100", 0, Some(Symbol::EntityField(s("amount")))),
            ("big and", 0, Some(Symbol::Let(s("big")))),
            ("city ==", 0, Some(Symbol::EntityField(s("city")))),
            ("spend > 10", 0, Some(Symbol::Let(s("spend")))),
            ("tier.high", 0, Some(Symbol::Segmentation(s("tier")))),
            ("high and", 0, Some(Symbol::SegmentOf(s("tier"), s("high")))),
            ("vip\n", 0, Some(Symbol::Segment(s("vip")))),
            ("coupon(", 0, Some(Symbol::Action(s("coupon")))),
            (
                "value: amount",
                0,
                Some(Symbol::ActionField(s("coupon"), s("value"))),
            ),
            ("member {", 0, Some(Symbol::Entity(s("member")))),
            ("amount: 1", 0, Some(Symbol::EntityField(s("amount")))),
            ("high\n", 0, Some(Symbol::SegmentOf(s("tier"), s("high")))),
            ("spend ==", 0, Some(Symbol::Let(s("spend")))),
            ("coupon from", 0, Some(Symbol::Action(s("coupon")))),
            ("c with", 0, Some(Symbol::Campaign(s("c")))),
            (
                "value: 1",
                0,
                Some(Symbol::ActionField(s("coupon"), s("value"))),
            ),
        ];
        for (needle, nth, expected) in cases {
            assert_eq!(symbol_at(&index, needle, nth), expected, "{needle:?}");
        }
    }

    #[test]
    fn every_declaration_is_found_once() {
        let Ok(program) = load_program_from_text(Path::new("t.seg"), PROGRAM) else {
            panic!("the program parses");
        };
        let index = Index::new(&program);
        let spend = Symbol::Let("spend".into());
        assert_eq!(
            index.definition(&spend).map(|o| o.span.start as usize),
            PROGRAM.find("spend =")
        );
        assert_eq!(index.occurrences_of(&spend).count(), 3);
        let definitions = index.occurrences.iter().filter(|o| o.is_definition).count();
        // entity + 3 fields, events + 3 fields, param, 2 lets, segment, segmentation + 2,
        // action + 1 field, campaign.
        assert_eq!(definitions, 18);
    }
}
