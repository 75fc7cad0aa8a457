//! Check stage: campaigns, their clauses, `do` statements and variants.

use std::collections::HashMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::decls::duplicate;
use super::expr::literal;
use super::hir::{Campaign, Const, Do, RankKey, TExpr, TExprKind, Variant};
use super::schema::with_article;
use super::suggest::help_for;
use super::types::{Ty, Type};
use super::{Checker, Decl, Scope};
use crate::check::CheckError;
use crate::syntax::Span;
use crate::syntax::ast::{self, ClauseKind, ExprKind, Literal};

impl Checker<'_> {
    pub(super) fn check_campaigns(&mut self, items: &[&ast::Item]) -> Vec<Campaign> {
        items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Campaign(c) => Some(self.campaign(c)),
                _ => None,
            })
            .collect()
    }

    fn campaign(&mut self, decl: &ast::CampaignDecl) -> Campaign {
        self.check_clause_repetition(decl);
        let mut campaign = Campaign {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            audience: TExpr {
                kind: TExprKind::Const(Const::Bool(false)),
                ty: Type::of(Ty::Bool),
                span: decl.name.span,
            },
            priority: 0,
            window: None,
            holdout_bp: 0,
            budget: None,
            cap: None,
            rank_by: Vec::new(),
            salt: decl.name.name.clone(),
            variants: Vec::new(),
            has_variants: false,
            span: decl.name.span,
        };
        let mut audience_seen = false;
        let mut plain_dos = Vec::new();
        for clause in &decl.clauses {
            match &clause.kind {
                ClauseKind::Audience(e) => {
                    audience_seen = true;
                    campaign.audience = self.condition(e, "a campaign's `audience`", Scope::Entity);
                }
                ClauseKind::Priority(p) => campaign.priority = *p,
                ClauseKind::Window(from, to) => campaign.window = Some((*from, *to)),
                ClauseKind::Holdout(p) => {
                    campaign.holdout_bp = self.basis_points(*p, "`holdout`", clause.span)
                }
                ClauseKind::Budget(b) => campaign.budget = Some(*b),
                ClauseKind::Cap(c) => campaign.cap = self.cap(*c, clause.span),
                ClauseKind::RankBy(keys) => {
                    campaign.rank_by = keys.iter().map(|k| self.rank_key(k)).collect()
                }
                ClauseKind::Salt(s) => campaign.salt = s.clone(),
                ClauseKind::Do(d) => plain_dos.push(self.do_stmt(d)),
                ClauseKind::Variant(v) => {
                    let dos = v.actions.iter().map(|d| self.do_stmt(d)).collect();
                    let weight_bp = self.basis_points(v.weight, "a variant weight", v.weight_span);
                    campaign.variants.push(Variant {
                        name: v.name.name.clone(),
                        label: v.label.as_ref().map(|l| l.value.clone()),
                        weight_bp,
                        dos,
                    });
                }
            }
        }
        if !audience_seen {
            self.error(CheckError::MissingAudience {
                campaign: campaign.name.clone(),
                span: decl.name.span,
            });
        }
        campaign.has_variants = !campaign.variants.is_empty();
        if campaign.has_variants {
            self.check_variants(decl, &campaign);
        } else {
            campaign.variants.push(Variant {
                name: "treated".into(),
                label: None,
                weight_bp: 10_000,
                dos: plain_dos,
            });
        }
        self.check_budget_cost(decl, &campaign);
        campaign
    }

    /// Clauses other than `do` and `variant` appear at most once; `do` and `variant` do not mix.
    fn check_clause_repetition(&mut self, decl: &ast::CampaignDecl) {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        let mut first_do: Option<Span> = None;
        let mut has_variant = false;
        for clause in &decl.clauses {
            let name = clause_name(&clause.kind);
            match &clause.kind {
                ClauseKind::Do(_) => first_do = first_do.or(Some(clause.span)),
                ClauseKind::Variant(_) => has_variant = true,
                _ if seen.iter().any(|(n, _)| *n == name) => self.error(CheckError::BadClause {
                    message: format!("campaign `{}` has `{name}` twice", decl.name.name),
                    span: clause.span,
                    help: format!("give `{name}` once"),
                }),
                _ => seen.push((name, clause.span)),
            }
        }
        if let (Some(span), true) = (first_do, has_variant) {
            self.error(CheckError::BadClause {
                message: format!(
                    "campaign `{}` has a campaign-level `do` beside variants",
                    decl.name.name
                ),
                span,
                help: "move the `do` into each variant that should emit it".into(),
            });
        }
    }

    fn check_variants(&mut self, decl: &ast::CampaignDecl, campaign: &Campaign) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut total = Decimal::ZERO;
        for clause in &decl.clauses {
            let ClauseKind::Variant(v) = &clause.kind else {
                continue;
            };
            total += v.weight;
            if v.name.name == "holdout" {
                self.error(CheckError::BadClause {
                    message: "a variant cannot be called `holdout`".into(),
                    span: v.name.span,
                    help: "`holdout` names the control group in the outputs; choose another name"
                        .into(),
                });
            } else if let Some(first) = seen.get(v.name.name.as_str()) {
                self.error(duplicate(
                    &v.name,
                    *first,
                    "variant names within a campaign must differ",
                ));
            } else {
                seen.insert(&v.name.name, v.name.span);
            }
        }
        if total != Decimal::ONE_HUNDRED {
            self.error(CheckError::VariantWeights {
                campaign: campaign.name.clone(),
                total: total.normalize().to_string(),
                span: decl.name.span,
            });
        }
    }

    fn check_budget_cost(&mut self, decl: &ast::CampaignDecl, campaign: &Campaign) {
        let Some(clause) = decl
            .clauses
            .iter()
            .find(|c| matches!(c.kind, ClauseKind::Budget(_)))
        else {
            return;
        };
        let dos = || campaign.variants.iter().flat_map(|v| &v.dos);
        if dos().any(|d| d.action >= self.actions.len()) {
            return; // an unknown action is reported already
        }
        let has_cost = dos().any(|d| {
            self.actions
                .get(d.action)
                .is_some_and(|a| a.cost_field.is_some())
        });
        if !has_cost {
            self.error(CheckError::BudgetWithoutCost {
                campaign: campaign.name.clone(),
                span: clause.span,
            });
        }
    }

    /// A percent as basis points (10% → 1000), reporting values outside 0–100%.
    fn basis_points(&mut self, percent: Decimal, context: &str, span: Span) -> u32 {
        if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
            self.error(CheckError::PercentRange {
                context: context.into(),
                value: percent.to_string(),
                span,
            });
            return 0;
        }
        (percent * Decimal::ONE_HUNDRED)
            .trunc()
            .to_u32()
            .unwrap_or(0)
    }

    fn cap(&mut self, cap: i64, span: Span) -> Option<u64> {
        match u64::try_from(cap) {
            Ok(c) => Some(c),
            Err(_) => {
                self.error(CheckError::InvalidArgument {
                    message: format!("`cap` must be 0 or more, found {cap}"),
                    span,
                    help: "write the most entities the campaign may treat, e.g. `cap 5000`".into(),
                });
                None
            }
        }
    }

    fn rank_key(&mut self, key: &ast::RankKey) -> RankKey {
        let expr = self.expr(&key.expr, Scope::Entity);
        if matches!(expr.ty.ty, Ty::Duration) {
            self.mismatch(
                "`rank by`",
                "a number, text, date or bool",
                &expr,
                "rank by a value of each entity, e.g. `rank by monetary desc`",
            );
        }
        RankKey {
            expr,
            descending: key.descending,
        }
    }

    fn do_stmt(&mut self, stmt: &ast::DoStmt) -> Do {
        let when = stmt
            .when
            .as_ref()
            .map(|w| self.condition(w, "the `when` of a `do`", Scope::Entity));
        let Some((Decl::Action(action), _)) = self.names.get(&stmt.action.name).copied() else {
            self.unknown_action(&stmt.action);
            for arg in &stmt.args {
                self.expr(&arg.value, Scope::Entity);
            }
            return Do {
                action: usize::MAX,
                values: Vec::new(),
                when,
                span: stmt.span,
            };
        };
        let guarded: Vec<&ast::Expr> = stmt
            .when
            .iter()
            .flat_map(|w| w.conjuncts())
            .filter_map(not_null_operand)
            .collect();
        let values = self.payload(action, stmt, &guarded);
        Do {
            action,
            values,
            when,
            span: stmt.span,
        }
    }

    fn unknown_action(&mut self, name: &ast::Ident) {
        let actions: Vec<&str> = self.actions.iter().map(|a| a.name.as_str()).collect();
        let help = help_for(&name.name, "action", actions);
        self.error(CheckError::UnknownAction {
            name: name.name.clone(),
            span: name.span,
            help,
        });
    }

    /// One value per payload field, in declared order.
    fn payload(&mut self, action: usize, stmt: &ast::DoStmt, guarded: &[&ast::Expr]) -> Vec<TExpr> {
        let fields = self.actions[action].fields.clone();
        let mut values: Vec<Option<TExpr>> = vec![None; fields.len()];
        for arg in &stmt.args {
            let value = self.expr(&arg.value, Scope::Entity);
            let Some(i) = fields.iter().position(|f| f.name == arg.name.name) else {
                let help = help_for(
                    &arg.name.name,
                    "payload field",
                    fields.iter().map(|f| f.name.as_str()),
                );
                self.error(CheckError::UnknownPayloadField {
                    action: stmt.action.name.clone(),
                    field: arg.name.name.clone(),
                    span: arg.name.span,
                    help,
                });
                continue;
            };
            if values[i].is_some() {
                self.error(CheckError::DuplicatePayloadField {
                    field: arg.name.name.clone(),
                    span: arg.name.span,
                });
                continue;
            }
            let is_guarded = guarded.iter().any(|g| g.same_as(&arg.value));
            self.check_assignable(
                &fields[i].ty,
                &arg.value,
                &value,
                &arg.name.name,
                is_guarded,
            );
            values[i] = Some(value);
        }
        fields
            .iter()
            .zip(values)
            .map(|(field, value)| {
                value.unwrap_or_else(|| {
                    if !field.ty.nullable {
                        self.error(CheckError::MissingPayloadField {
                            action: stmt.action.name.clone(),
                            field: field.name.clone(),
                            field_type: field.ty.to_string(),
                            span: stmt.action.span,
                        });
                    }
                    literal(&Literal::Null, stmt.span)
                })
            })
            .collect()
    }

    /// Whether `value` may be stored in a payload field of type `expected`.
    fn check_assignable(
        &mut self,
        expected: &Type,
        e: &ast::Expr,
        value: &TExpr,
        field: &str,
        guarded: bool,
    ) {
        let context = format!("the payload field `{field}`");
        if value.ty.ty == Ty::Error {
            return;
        }
        if value.ty.nullable && !expected.nullable && !guarded {
            self.error(CheckError::NullableValue {
                context,
                found: value.ty.to_string(),
                span: value.span,
                help: null_guard_help(e),
            });
            return;
        }
        if let Ty::Enum(values) = &expected.ty {
            self.check_enum_value(expected, values, e, value, &context);
            return;
        }
        let fits = match (&expected.ty, &value.ty.ty) {
            (_, Ty::Null) => true,
            (Ty::Decimal, Ty::Int | Ty::Decimal) => true,
            (Ty::Float, Ty::Int | Ty::Decimal | Ty::Float) => true,
            (Ty::String, Ty::String | Ty::Enum(_)) => true,
            (Ty::DateTime, Ty::Date | Ty::DateTime) => true,
            (a, b) => a == b,
        };
        if !fits {
            self.mismatch(
                &context,
                &expected.ty.to_string(),
                value,
                &format!(
                    "give `{field}` {} value",
                    with_article(&expected.ty.to_string())
                ),
            );
        }
    }

    /// An enum field takes its literals, `if`/`coalesce` of such, and enums it includes.
    fn check_enum_value(
        &mut self,
        expected: &Type,
        allowed: &[String],
        e: &ast::Expr,
        value: &TExpr,
        context: &str,
    ) {
        let e = e.unparenthesized();
        match &e.kind {
            ExprKind::Literal(Literal::String(_)) => self.check_enum_literal(expected, e),
            ExprKind::Literal(Literal::Null) => {}
            ExprKind::If { then, otherwise, .. } => {
                for branch in [then.as_ref(), otherwise.as_ref()] {
                    let typed = self.expr_type_only(branch);
                    self.check_enum_value(expected, allowed, branch, &typed, context);
                }
            }
            ExprKind::Call { func, args, .. } if func.name == "coalesce" => {
                for arg in args {
                    let typed = self.expr_type_only(arg);
                    self.check_enum_value(expected, allowed, arg, &typed, context);
                }
            }
            _ => match &value.ty.ty {
                Ty::Enum(values) if values.iter().all(|v| allowed.contains(v)) => {}
                Ty::Error | Ty::Null => {}
                _ => self.mismatch(
                    context,
                    &expected.ty.to_string(),
                    value,
                    "an enum field takes one of its values as a literal, or a value of an enum whose values it includes",
                ),
            },
        }
    }

    /// Re-types a sub-expression whose errors were already reported (discarding new ones).
    fn expr_type_only(&mut self, e: &ast::Expr) -> TExpr {
        let before = self.errors.len();
        let typed = self.expr(e, Scope::Entity);
        self.errors.truncate(before);
        typed
    }
}

fn clause_name(kind: &ClauseKind) -> &'static str {
    match kind {
        ClauseKind::Audience(_) => "audience",
        ClauseKind::Priority(_) => "priority",
        ClauseKind::Window(..) => "window",
        ClauseKind::Holdout(_) => "holdout",
        ClauseKind::Budget(_) => "budget",
        ClauseKind::Cap(_) => "cap",
        ClauseKind::RankBy(_) => "rank by",
        ClauseKind::Salt(_) => "salt",
        ClauseKind::Do(_) => "do",
        ClauseKind::Variant(_) => "variant",
    }
}

/// How to make a nullable payload value acceptable.
fn null_guard_help(e: &ast::Expr) -> String {
    let e = e.unparenthesized();
    match &e.kind {
        ExprKind::Call { func, .. } if func.name == "coalesce" => {
            "give `coalesce` a last argument that cannot be null".into()
        }
        ExprKind::Name(_) | ExprKind::Path(..) | ExprKind::Call { .. } => {
            format!("add `when {e} is not null` to the `do`, or write `coalesce({e}, DEFAULT)`")
        }
        _ => format!("add `when ({e}) is not null` to the `do`, or write `coalesce({e}, DEFAULT)`"),
    }
}

/// `E` when a condition says `E is not null` (or `not (E is null)`).
fn not_null_operand(condition: &ast::Expr) -> Option<&ast::Expr> {
    match &condition.unparenthesized().kind {
        ExprKind::IsNull {
            operand,
            negated: true,
        } => Some(operand),
        ExprKind::Unary {
            op: ast::UnaryOp::Not,
            operand,
        } => match &operand.unparenthesized().kind {
            ExprKind::IsNull {
                operand,
                negated: false,
            } => Some(operand),
            _ => None,
        },
        _ => None,
    }
}
