//! Check stage: the schema items — entity, events streams, params and actions.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::Checker;
use super::decls::duplicate;
use super::hir::{Action, Const, Field, Param, Record, Stream};
use super::suggest::help_for;
use super::types::{Ty, Type};
use crate::check::CheckError;
use crate::syntax::{Span, ast};

impl Checker<'_> {
    pub(super) fn declare_entity(&mut self, decl: &ast::RecordDecl) {
        let record = self.record(decl);
        let Some(key) = &decl.key_or_time else {
            unreachable!("the grammar requires `key` after an entity name")
        };
        match record.field(&key.name) {
            Some(index) => {
                self.key_field = Some(index);
                let ty = &record.fields[index].ty;
                if ty.nullable || !matches!(ty.ty, Ty::String | Ty::Int | Ty::Enum(_) | Ty::Date) {
                    self.error(CheckError::TypeMismatch {
                        context: "an entity key".into(),
                        expected: "a non-nullable string, int, enum or date".into(),
                        found: ty.to_string(),
                        span: record.fields[index].span,
                        help: "declare the key field as `string` or `int`, without `?`".into(),
                    });
                }
            }
            None => {
                let names = record.fields.iter().map(|f| f.name.as_str());
                let help = help_for(&key.name, "field", names);
                self.error(CheckError::UnknownKey {
                    entity: record.name.clone(),
                    key: key.name.clone(),
                    span: key.span,
                    help,
                });
            }
        }
        self.entity = Some(record);
    }

    /// Builds a stream; its key is checked against the entity once both are known.
    pub(super) fn declare_stream(&mut self, decl: &ast::RecordDecl) {
        let record = self.record(decl);
        let time_field = decl
            .key_or_time
            .as_ref()
            .and_then(|time| self.time_field(&record, time));
        self.streams.push(Stream {
            record,
            key_field: 0,
            time_field,
        });
        self.pending_stream_decls.push(decl.name.span);
    }

    fn time_field(&mut self, record: &Record, time: &ast::Ident) -> Option<usize> {
        let index = record.field(&time.name);
        let found = index.map(|i| record.fields[i].ty.clone());
        self.bad_time_streams.push(self.streams.len());
        let Some(ty) = found else {
            let names = record.fields.iter().map(|f| f.name.as_str());
            self.error(CheckError::UnknownField {
                record: record.name.clone(),
                field: time.name.clone(),
                span: time.span,
                help: help_for(&time.name, "field", names),
            });
            return None;
        };
        if matches!(ty.ty, Ty::Date | Ty::DateTime) && !ty.nullable {
            self.bad_time_streams.pop();
            return index;
        }
        self.error(CheckError::BadTimeField {
            stream: record.name.clone(),
            field: time.name.clone(),
            found: ty.to_string(),
            span: time.span,
            help: "declare it as `date` or `datetime`, without `?`".into(),
        });
        None
    }

    /// Every stream must carry the entity key with the same name and type.
    pub(super) fn check_stream_keys(&mut self) {
        let Some(entity) = self.entity.clone() else {
            return;
        };
        let Some(key) = self.key_field.map(|k| &entity.fields[k]) else {
            return; // the unknown key is reported already
        };
        let spans = std::mem::take(&mut self.pending_stream_decls);
        for (stream, span) in self.streams.iter_mut().zip(spans) {
            match stream.record.field(&key.name) {
                Some(i)
                    if stream.record.fields[i].ty.ty == key.ty.ty
                        && !stream.record.fields[i].ty.nullable =>
                {
                    stream.key_field = i;
                }
                Some(i) => self.errors.push(CheckError::TypeMismatch {
                    context: format!(
                        "the entity key `{}` in events `{}`",
                        key.name, stream.record.name
                    ),
                    expected: key.ty.to_string(),
                    found: stream.record.fields[i].ty.to_string(),
                    span: stream.record.fields[i].span,
                    help: format!(
                        "declare it exactly as in the entity: `{}: {}`",
                        key.name, key.ty
                    ),
                }),
                None => self.errors.push(CheckError::MissingEntityKey {
                    stream: stream.record.name.clone(),
                    key: key.name.clone(),
                    key_type: key.ty.to_string(),
                    span,
                }),
            }
        }
    }

    pub(super) fn declare_param(&mut self, decl: &ast::ParamDecl) {
        let ty = self.type_expr(&decl.ty);
        let default = match literal_to_const(&decl.default, &ty) {
            Ok(value) => value,
            Err(expected) => {
                self.error(CheckError::TypeMismatch {
                    context: format!("the default of `{}`", decl.name.name),
                    expected,
                    found: literal_type_name(&decl.default).into(),
                    span: Span {
                        start: decl.ty.span.end,
                        ..decl.span
                    },
                    help: format!("write {} literal after `=`", with_article(&ty.to_string())),
                });
                Const::Null
            }
        };
        self.params.push(Param {
            name: decl.name.name.clone(),
            ty,
            default,
            span: decl.name.span,
        });
    }

    pub(super) fn declare_action(&mut self, decl: &ast::ActionDecl) {
        let fields = self.fields(&decl.fields);
        let cost_field = fields.iter().position(|f| f.name == "cost");
        if let Some(i) = cost_field {
            let ty = &fields[i].ty;
            if !ty.is_numeric() {
                self.error(CheckError::TypeMismatch {
                    context: "the `cost` payload field".into(),
                    expected: "int, decimal or float".into(),
                    found: ty.to_string(),
                    span: fields[i].span,
                    help: "`cost` feeds campaign budgets; declare it `cost: decimal`".into(),
                });
            }
        }
        self.actions.push(Action {
            name: decl.name.name.clone(),
            fields,
            cost_field,
            span: decl.name.span,
        });
    }

    fn record(&mut self, decl: &ast::RecordDecl) -> Record {
        Record {
            name: decl.name.name.clone(),
            fields: self.fields(&decl.fields),
            span: decl.name.span,
        }
    }

    fn fields(&mut self, decls: &[ast::FieldDecl]) -> Vec<Field> {
        let mut fields: Vec<Field> = Vec::new();
        for decl in decls {
            if let Some(first) = fields.iter().find(|f| f.name == decl.name.name) {
                let first = first.span;
                self.error(duplicate(
                    &decl.name,
                    first,
                    "field names within a block must differ",
                ));
                continue;
            }
            let ty = self.type_expr(&decl.ty);
            fields.push(Field {
                name: decl.name.name.clone(),
                ty,
                span: decl.name.span,
            });
        }
        fields
    }

    pub(super) fn type_expr(&mut self, ty: &ast::TypeExpr) -> Type {
        let base = match &ty.base {
            ast::BaseType::Int => Ty::Int,
            ast::BaseType::Decimal => Ty::Decimal,
            ast::BaseType::Float => Ty::Float,
            ast::BaseType::Bool => Ty::Bool,
            ast::BaseType::String => Ty::String,
            ast::BaseType::Date => Ty::Date,
            ast::BaseType::DateTime => Ty::DateTime,
            ast::BaseType::Enum(values) => Ty::Enum(self.enum_values(values)),
        };
        Type {
            ty: base,
            nullable: ty.nullable,
        }
    }

    fn enum_values(&mut self, values: &[ast::StrLit]) -> Arc<[String]> {
        let mut out: Vec<String> = Vec::new();
        for value in values {
            if out.contains(&value.value) {
                self.error(CheckError::DuplicateName {
                    name: value.value.clone(),
                    span: value.span,
                    first: None,
                    help: "list each enum value once".into(),
                });
            } else {
                out.push(value.value.clone());
            }
        }
        out.into()
    }
}

/// The constant a literal denotes as a value of type `ty`, or what was expected instead.
///
/// Used for `param` defaults, `--param` values and test records.
pub fn literal_to_const(lit: &ast::Literal, ty: &Type) -> Result<Const, String> {
    let value = match (&ty.ty, lit) {
        (_, ast::Literal::Null) if ty.nullable => Const::Null,
        (Ty::Int, ast::Literal::Int(n)) => Const::Int(*n),
        (Ty::Decimal, ast::Literal::Int(n)) => Const::Decimal(Decimal::from(*n)),
        (Ty::Decimal, ast::Literal::Decimal(d)) => Const::Decimal(*d),
        (Ty::Decimal, ast::Literal::Percent(p)) => Const::Decimal(*p / Decimal::ONE_HUNDRED),
        (Ty::Float, ast::Literal::Int(n)) => Const::Float(*n as f64),
        (Ty::Float, ast::Literal::Decimal(d)) => {
            Const::Float(f64::try_from(*d).map_err(|_| "a float literal".to_string())?)
        }
        (Ty::Bool, ast::Literal::Bool(b)) => Const::Bool(*b),
        (Ty::String, ast::Literal::String(s)) => Const::Str(s.as_str().into()),
        (Ty::Enum(values), ast::Literal::String(s)) if values.contains(s) => {
            Const::Str(s.as_str().into())
        }
        (Ty::Date, ast::Literal::Date(d)) => Const::Date(*d),
        (Ty::DateTime, ast::Literal::DateTime(dt)) => Const::DateTime(*dt),
        (Ty::DateTime, ast::Literal::Date(d)) => {
            Const::DateTime(d.and_time(chrono::NaiveTime::MIN))
        }
        (Ty::Enum(values), ast::Literal::String(_)) => {
            let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            return Err(format!("one of {}", quoted.join(", ")));
        }
        _ => return Err(format!("{} literal", with_article(&ty.to_string()))),
    };
    Ok(value)
}

/// The name of a literal's own type, for messages.
pub fn literal_type_name(lit: &ast::Literal) -> &'static str {
    match lit {
        ast::Literal::Int(_) => "int",
        ast::Literal::Decimal(_) | ast::Literal::Percent(_) => "decimal",
        ast::Literal::String(_) => "string",
        ast::Literal::Bool(_) => "bool",
        ast::Literal::Null => "null",
        ast::Literal::Date(_) => "date",
        ast::Literal::DateTime(_) => "datetime",
        ast::Literal::Duration(..) => "duration",
    }
}

/// `a` or `an` before a word, for messages ("an int", "a decimal").
pub fn with_article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}
