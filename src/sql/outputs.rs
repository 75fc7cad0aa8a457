//! SQL stage: the result tables (`assignments`, `actions_<action>`, `summary`) and the
//! statements that export them as the CSV files `seg run` writes.

use std::path::Path;

use super::campaigns;
use super::column::Column;
use super::expr::Exprs;
use crate::check::types::Ty;

/// The result tables of one script.
pub struct Outputs<'a> {
    /// The program and the engine.
    pub x: Exprs<'a>,
    /// Active campaigns in run order.
    pub active: &'a [usize],
    /// The values table.
    pub values: &'a str,
    /// Whether `assignments` has a column per `let`.
    pub with_values: bool,
}

/// One column of a result table: its name, SQL and type.
struct Out {
    name: String,
    sql: String,
    ty: Ty,
}

impl Outputs<'_> {
    /// The statements creating every result table.
    pub fn statements(&self) -> String {
        let d = self.x.dialect;
        let mut sql = String::from("\n-- assignments.csv: one row per entity, by key.\n");
        sql += &d.create_table("assignments", false, &self.assignments());
        for (a, action) in self.x.hir.actions.iter().enumerate() {
            sql += &format!(
                "\n-- actions/{}.csv: by campaign run order, key, `do` order.\n",
                action.name
            );
            sql += &d.create_table(&format!("actions_{}", action.name), false, &self.actions(a));
        }
        sql += "\n-- summary: the counts of summary.json, one row each.\n";
        sql += &d.create_table("summary", false, &self.summary());
        sql
    }

    /// The statements writing the result tables under `dir` as `seg run` does (the
    /// folders must exist: `seg sql --export` creates them).
    pub fn export(&self, dir: &Path) -> String {
        let hir = self.x.hir;
        let mut sql = String::from("\n-- The result tables as CSV files.\n");
        let mut tables: Vec<(String, Vec<Out>, String)> = vec![(
            "assignments".into(),
            self.assignment_columns(),
            "assignments.csv".into(),
        )];
        for (a, action) in hir.actions.iter().enumerate() {
            tables.push((
                format!("actions_{}", action.name),
                self.action_columns(a),
                format!("actions/{}.csv", action.name),
            ));
        }
        let summary = vec![
            Out {
                name: "item".into(),
                sql: String::new(),
                ty: Ty::String,
            },
            Out {
                name: "value".into(),
                sql: String::new(),
                ty: Ty::Decimal,
            },
        ];
        tables.push(("summary".into(), summary, "summary.csv".into()));
        for (table, columns, file) in tables {
            sql += &self.copy(&table, &columns, &dir.join(file));
        }
        sql
    }

    /// `COPY` of a table's columns written as text (null and empty text both as an
    /// empty cell) to a CSV file with a header.
    fn copy(&self, table: &str, columns: &[Out], path: &Path) -> String {
        let d = self.x.dialect;
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                let column = format!("t.{}", d.ident(&c.name));
                format!(
                    "NULLIF({}, '') AS {}",
                    d.text(&column, &c.ty),
                    d.ident(&c.name)
                )
            })
            .collect();
        let query = format!("SELECT {} FROM {table} AS t", cells.join(", "));
        let file = d.string(&path.to_string_lossy());
        match d {
            super::Dialect::Postgres => {
                format!("\\copy ({query}) TO {file} WITH (FORMAT csv, HEADER true)\n")
            }
            // Spark writes a folder of part files, not one file: the text table is left
            // as the view `export__<table>` for the caller to write (docs/sql.md).
            super::Dialect::Spark => format!(
                "-- to be written to {}\n{}",
                path.display(),
                d.create_table(&format!("export__{table}"), true, &query)
            ),
            super::Dialect::Duckdb => {
                format!("COPY ({query}) TO {file} (HEADER, DELIMITER ',');\n")
            }
        }
    }

    fn assignment_columns(&self) -> Vec<Out> {
        let x = &self.x;
        let hir = x.hir;
        let d = x.dialect;
        let key = &hir.entity.fields[hir.key_field];
        let mut columns = vec![Out {
            name: key.name.clone(),
            sql: x.entity(Column::Field(hir.key_field)),
            ty: key.ty.ty.clone(),
        }];
        for (g, def) in hir.segmentations.iter().enumerate() {
            columns.push(Out {
                name: def.name.clone(),
                sql: x.entity(Column::Segmentation(g)),
                ty: Ty::String,
            });
        }
        let segments: Vec<String> = hir
            .segments
            .iter()
            .enumerate()
            .map(|(s, def)| {
                format!(
                    "CASE WHEN {} THEN {} END",
                    x.entity(Column::Segment(s)),
                    d.string(&def.name)
                )
            })
            .collect();
        columns.push(Out {
            name: "segments".into(),
            sql: joined(&segments),
            ty: Ty::String,
        });
        let taken: Vec<String> = self
            .active
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let name = d.string(&format!("{}:", hir.campaigns[c].name));
                format!("CASE WHEN c{i}.accepted THEN {name} || c{i}.variant END")
            })
            .collect();
        columns.push(Out {
            name: "campaigns".into(),
            sql: joined(&taken),
            ty: Ty::String,
        });
        if self.with_values {
            for (l, def) in hir.lets.iter().enumerate() {
                columns.push(Out {
                    name: def.name.clone(),
                    sql: x.entity(Column::Let(l)),
                    ty: def.expr.ty.ty.clone(),
                });
            }
        }
        columns
    }

    fn assignments(&self) -> String {
        let x = &self.x;
        let hir = x.hir;
        let d = x.dialect;
        let columns = self.assignment_columns();
        let select: Vec<String> = columns
            .iter()
            .map(|c| format!("{} AS {}", c.sql, d.ident(&c.name)))
            .collect();
        let key = x.entity(Column::Field(hir.key_field));
        let mut sql = format!("SELECT {}\nFROM {} AS v", select.join(",\n  "), self.values);
        for (i, &c) in self.active.iter().enumerate() {
            let table = campaigns::table(&hir.campaigns[c]);
            sql += &format!("\n  LEFT JOIN {table} AS c{i} ON c{i}.k = {key}");
        }
        let key_ty = &hir.entity.fields[hir.key_field].ty.ty;
        sql + &format!("\nORDER BY {}", d.bytewise(&d.text(&key, key_ty)))
    }

    fn action_columns(&self, a: usize) -> Vec<Out> {
        let hir = self.x.hir;
        let key = &hir.entity.fields[hir.key_field];
        let mut columns = vec![
            Out {
                name: key.name.clone(),
                sql: String::new(),
                ty: key.ty.ty.clone(),
            },
            Out {
                name: "campaign".into(),
                sql: String::new(),
                ty: Ty::String,
            },
            Out {
                name: "variant".into(),
                sql: String::new(),
                ty: Ty::String,
            },
        ];
        for field in &hir.actions[a].fields {
            columns.push(Out {
                name: field.name.clone(),
                sql: String::new(),
                ty: field.ty.ty.clone(),
            });
        }
        columns
    }

    fn actions(&self, a: usize) -> String {
        let x = &self.x;
        let hir = x.hir;
        let d = x.dialect;
        let action = &hir.actions[a];
        let key = x.entity(Column::Field(hir.key_field));
        let names: Vec<String> = self
            .action_columns(a)
            .iter()
            .map(|c| d.ident(&c.name))
            .collect();
        let mut parts = Vec::new();
        for (run, &c) in self.active.iter().enumerate() {
            let campaign = &hir.campaigns[c];
            let table = campaigns::table(campaign);
            for variant in &campaign.variants {
                for (i, act) in variant.dos.iter().enumerate() {
                    if act.action != a {
                        continue;
                    }
                    let mut select = vec![
                        format!("{run} AS run"),
                        "c.seg_key".into(),
                        format!("{i} AS do_order"),
                        format!("{key} AS {}", names[0]),
                        format!("{} AS {}", d.string(&campaign.name), names[1]),
                        format!("c.variant AS {}", names[2]),
                    ];
                    for (f, field) in action.fields.iter().enumerate() {
                        select.push(format!(
                            "{} AS {}",
                            x.typed(&act.values[f], &field.ty.ty),
                            names[3 + f]
                        ));
                    }
                    let when = act.when.as_ref().map_or("TRUE".into(), |w| x.holds(w));
                    parts.push(format!(
                        "SELECT {}\n    FROM {table} AS c JOIN {} AS v ON {key} = c.k\n    WHERE c.accepted AND c.variant = {} AND {when}",
                        select.join(", "),
                        self.values,
                        d.string(&variant.name)
                    ));
                }
            }
        }
        if parts.is_empty() {
            let columns = self.action_columns(a);
            let nulls: Vec<String> = columns
                .iter()
                .map(|c| format!("{} AS {}", d.null(&c.ty), d.ident(&c.name)))
                .collect();
            return format!("SELECT {} WHERE FALSE", nulls.join(", "));
        }
        format!(
            "SELECT {} FROM (\n  {}\n) AS a\nORDER BY a.run, {}, a.do_order",
            names
                .iter()
                .map(|n| format!("a.{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            parts.join("\n  UNION ALL\n  "),
            d.bytewise("a.seg_key")
        )
    }

    fn summary(&self) -> String {
        let x = &self.x;
        let hir = x.hir;
        let d = x.dialect;
        let mut rows: Vec<(String, String)> = Vec::new();
        let values = self.values;
        rows.push(("entities".into(), format!("SELECT count(*) FROM {values}")));
        let mut totals = [Vec::new(), Vec::new(), Vec::new()];
        for s in &hir.streams {
            let table = d.ident(&s.record.name);
            let entity = d.ident(&hir.entity.name);
            let key = d.ident(&s.record.fields[s.key_field].name);
            let entity_key = d.ident(&hir.entity.fields[hir.key_field].name);
            let after = match s.time_field {
                Some(t) => {
                    let time = format!("e.{}", d.ident(&s.record.fields[t].name));
                    let day = match s.record.fields[t].ty.ty {
                        Ty::DateTime => d.cast(&time, &Ty::Date),
                        _ => time,
                    };
                    format!(
                        "SELECT count(*) FROM {table} AS e WHERE {day} > DATE {}",
                        d.string(&x.as_of.to_string())
                    )
                }
                None => "SELECT 0".into(),
            };
            let counts = [
                format!("SELECT count(*) FROM {table}"),
                after,
                format!(
                    "SELECT count(*) FROM {table} AS e WHERE NOT EXISTS (SELECT 1 FROM {entity} AS v WHERE v.{entity_key} = e.{key})"
                ),
            ];
            for (i, (what, count)) in ["read", "after_as_of", "orphans"]
                .iter()
                .zip(counts)
                .enumerate()
            {
                totals[i].push(format!("({count})"));
                rows.push((format!("events.{}.{what}", s.record.name), count));
            }
            rows.push((
                format!("events.{}.rejects", s.record.name),
                "SELECT 0".into(),
            ));
        }
        for (what, parts) in ["events_read", "events_after_as_of", "orphans"]
            .iter()
            .zip(totals)
        {
            let sum = if parts.is_empty() {
                "0".to_string()
            } else {
                parts.join(" + ")
            };
            rows.push((what.to_string(), format!("SELECT {sum}")));
        }
        rows.push(("rejects".into(), "SELECT 0".into()));
        for (g, def) in hir.segmentations.iter().enumerate() {
            let column = x.entity(Column::Segmentation(g));
            for rule in &def.rules {
                rows.push((
                    format!("segmentations.{}.{}", def.name, rule.name),
                    format!(
                        "SELECT count(*) FROM {values} AS v WHERE {column} = {}",
                        d.string(&rule.name)
                    ),
                ));
            }
        }
        for (s, def) in hir.segments.iter().enumerate() {
            rows.push((
                format!("segments.{}", def.name),
                format!(
                    "SELECT count(*) FROM {values} AS v WHERE {}",
                    x.entity(Column::Segment(s))
                ),
            ));
        }
        for (c, campaign) in hir.campaigns.iter().enumerate() {
            let name = &campaign.name;
            let table = self.active.contains(&c).then(|| campaigns::table(campaign));
            let count = |condition: &str| match &table {
                Some(t) => format!("SELECT count(*) FROM {t} AS c WHERE {condition}"),
                None => "SELECT 0".into(),
            };
            let treated = "c.accepted AND c.variant <> 'holdout'";
            rows.push((format!("campaigns.{name}.eligible"), count("TRUE")));
            rows.push((
                format!("campaigns.{name}.skipped"),
                count("NOT c.would_act"),
            ));
            rows.push((
                format!("campaigns.{name}.holdout"),
                count("c.accepted AND c.variant = 'holdout'"),
            ));
            rows.push((format!("campaigns.{name}.treated"), count(treated)));
            rows.push((
                format!("campaigns.{name}.cut"),
                count("c.would_act AND NOT c.accepted"),
            ));
            rows.push((
                format!("campaigns.{name}.total_cost"),
                match &table {
                    Some(t) => {
                        format!("SELECT COALESCE(sum(c.cost), 0) FROM {t} AS c WHERE {treated}")
                    }
                    None => "SELECT 0".into(),
                },
            ));
            for variant in &campaign.variants {
                rows.push((
                    format!("campaigns.{name}.variants.{}", variant.name),
                    count(&format!(
                        "c.accepted AND c.variant = {}",
                        d.string(&variant.name)
                    )),
                ));
            }
        }
        let selects: Vec<String> = rows
            .iter()
            .map(|(item, count)| {
                format!(
                    "SELECT {} AS item, {} AS value",
                    d.string(item),
                    d.cast(&format!("({count})"), &Ty::Decimal)
                )
            })
            .collect();
        selects.join("\nUNION ALL ")
    }
}

/// The non-null texts joined with `;` (empty when there are none).
fn joined(parts: &[String]) -> String {
    match parts {
        [] => "''".into(),
        _ => format!("concat_ws(';', {})", parts.join(", ")),
    }
}
