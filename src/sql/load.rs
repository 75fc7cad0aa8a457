//! SQL stage: statements that load `--data NAME=FILE` into the typed input tables.
//!
//! Columns are matched by name (extra columns are ignored), every cell is read as text
//! and cast to the declared type, an empty cell is null, and datetimes with an offset
//! are converted to UTC (the script sets the session's time zone to UTC). DuckDB reads
//! CSV and NDJSON itself; PostgreSQL loads a CSV file into a staging table of text
//! columns named after the file's header (read here) with `\copy`; Spark reads CSV
//! through a temporary view.

use std::path::{Path, PathBuf};

use super::dialect::Dialect;
use crate::check::hir::{Field, Hir};
use crate::check::suggest::help_for;
use crate::check::types::Ty;
use crate::exec::RunError;

/// The loading statements for every binding, in the order given.
pub fn statements(hir: &Hir, d: Dialect, data: &[(String, PathBuf)]) -> Result<String, RunError> {
    let records: Vec<(&str, &[Field])> = std::iter::once(&hir.entity)
        .chain(hir.streams.iter().map(|s| &s.record))
        .map(|r| (r.name.as_str(), r.fields.as_slice()))
        .collect();
    let mut sql = String::from("\n-- The input tables, loaded from the data files.\n");
    for (name, path) in data {
        let Some((_, fields)) = records.iter().find(|(n, _)| n == name) else {
            let help = help_for(
                name,
                "entity or events name",
                records.iter().map(|(n, _)| *n),
            );
            return Err(RunError::UnknownData {
                name: name.clone(),
                help,
            });
        };
        sql += &load(d, name, fields, path)?;
    }
    Ok(sql)
}

/// The statements loading one file into table `name`.
fn load(d: Dialect, name: &str, fields: &[Field], path: &Path) -> Result<String, RunError> {
    let ndjson = crate::exec::read::is_ndjson(path);
    let file = d.string(&path.to_string_lossy());
    let raw = d.ident(&format!("{name}__raw"));
    let (setup, source) = match (d, ndjson) {
        (Dialect::Duckdb, false) => (
            String::new(),
            format!("read_csv({file}, header = true, all_varchar = true)"),
        ),
        (Dialect::Duckdb, true) => (
            String::new(),
            format!("read_json({file}, format = 'newline_delimited')"),
        ),
        (Dialect::Postgres, false) => {
            let header = read_header(path)?;
            let columns: Vec<String> = header
                .iter()
                .map(|c| format!("{} TEXT", d.ident(c)))
                .collect();
            (
                format!(
                    "DROP TABLE IF EXISTS {raw};\nCREATE TEMPORARY TABLE {raw} ({});\n\\copy {raw} FROM {file} WITH (FORMAT csv, HEADER true)\n",
                    columns.join(", ")
                ),
                raw.clone(),
            )
        }
        (Dialect::Spark, false) => (
            format!(
                "CREATE OR REPLACE TEMPORARY VIEW {raw} USING csv \
                 OPTIONS (path {file}, header 'true', escape '\"', multiLine 'true');\n"
            ),
            raw.clone(),
        ),
        (_, true) => {
            return Err(RunError::BadFile {
                path: path.to_path_buf(),
                line: 1,
                problem: format!(
                    "`seg sql --dialect {d} --data` loads CSV files only; load NDJSON with the engine's own tools"
                ),
            });
        }
    };
    let columns: Vec<String> = fields
        .iter()
        .map(|f| {
            format!(
                "{} AS {}",
                cell(d, &d.ident(&f.name), &f.ty.ty, ndjson),
                d.ident(&f.name)
            )
        })
        .collect();
    let query = format!("SELECT {}\nFROM {source}", columns.join(",\n  "));
    Ok(setup + &d.create_table(&d.ident(name), false, &query))
}

/// A cell read as text, cast to its declared type (an empty cell is null).
fn cell(d: Dialect, column: &str, ty: &Ty, ndjson: bool) -> String {
    let text = if ndjson {
        d.cast(column, &Ty::String)
    } else {
        format!("NULLIF({column}, '')")
    };
    match ty {
        Ty::DateTime => {
            let zoned = match d {
                Dialect::Spark => format!("to_utc_timestamp({text}, 'UTC')"),
                _ => format!("CAST({text} AS TIMESTAMP WITH TIME ZONE)"),
            };
            d.cast(&zoned, ty)
        }
        Ty::Bool => format!(
            "CASE lower({text}) WHEN 'true' THEN TRUE WHEN '1' THEN TRUE \
             WHEN 'false' THEN FALSE WHEN '0' THEN FALSE END"
        ),
        _ => d.cast(&text, ty),
    }
}

/// The column names in the header of a CSV file.
fn read_header(path: &Path) -> Result<Vec<String>, RunError> {
    let io = |e: csv::Error| RunError::Io {
        action: "read",
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut reader = csv::Reader::from_path(path).map_err(io)?;
    let header = reader.headers().map_err(io)?;
    Ok(header
        .iter()
        .map(|c| c.trim_start_matches('\u{feff}').to_string())
        .collect())
}
