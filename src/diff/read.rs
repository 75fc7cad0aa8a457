//! Diff stage, input: reading the `assignments.csv` of an earlier `seg run` into
//! [`Assignments`] (LANGUAGE.md section 9), for `seg dry-run --compare`.
//!
//! The header is `KEY,<segmentations>,segments,campaigns`, optionally followed by the
//! `--with-values` columns, which are ignored. Rows may come in any order; a key may
//! appear once.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::Diagnostic;
use thiserror::Error;

use super::assignments::{Assignments, Labelled, Membership};
use crate::diagnostics::Located;
use crate::syntax::Span;

/// Why the `assignments.csv` of an earlier run cannot be read.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum ReadError {
    /// The file cannot be opened or read.
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code(seg::diff::io))]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },

    /// The file is not an `assignments.csv`, or a row of it is damaged.
    #[error("{path}:{line}: {problem}")]
    #[diagnostic(
        code(seg::diff::bad_assignments),
        help(
            "give the `assignments.csv` that `seg run` wrote: a header `KEY,<segmentations>,segments,campaigns`, then one row per entity"
        )
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Physical line (the header is line 1).
        line: u64,
        /// What is wrong.
        problem: String,
    },
}

impl Located for ReadError {
    fn location(&self) -> Option<Span> {
        None
    }
}

/// A problem and the line it is on.
type Problem = (u64, String);

/// Reads the `assignments.csv` an earlier `seg run` wrote.
pub fn read_assignments(path: &Path) -> Result<Assignments, ReadError> {
    let file = File::open(path).map_err(|e| ReadError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(BufReader::with_capacity(1 << 20, file));
    read(reader).map_err(|(line, problem)| ReadError::Malformed {
        path: path.to_path_buf(),
        line,
        problem,
    })
}

/// The header, then every row, into columns.
fn read<R: Read>(reader: csv::Reader<R>) -> Result<Assignments, Problem> {
    let mut records = reader.into_records();
    let header = match records.next() {
        Some(record) => record.map_err(|e| csv_problem(&e))?,
        None => return Err((1, "the file is empty: expected a header row".to_string())),
    };
    let mut table = Table::new(&header).map_err(|problem| (1, problem))?;
    for record in records {
        let record = record.map_err(|e| csv_problem(&e))?;
        let line = record.position().map_or(0, csv::Position::line);
        table
            .push(&record, line)
            .map_err(|problem| (line, problem))?;
    }
    table.finish()
}

/// A `csv` crate error as a problem on its line.
fn csv_problem(e: &csv::Error) -> Problem {
    let line = e.position().map_or(0, csv::Position::line);
    let problem = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} cells, but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_string(),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    (line, problem)
}

/// Where the columns are: the key first, the segmentations, then `segments` and
/// `campaigns`.
struct Layout {
    /// The segmentation columns' names, in header order.
    segmentations: Vec<String>,
    /// The index of the `segments` column (`campaigns` follows it).
    segments: usize,
}

impl Layout {
    /// Finds the columns in the header row.
    fn of(header: &csv::StringRecord) -> Result<Layout, String> {
        let names: Vec<&str> = header.iter().collect();
        let found = (1..names.len()).find(|&i| names[i..].starts_with(&["segments", "campaigns"]));
        let Some(segments) = found else {
            return Err(format!(
                "the header `{}` lacks the `segments,campaigns` columns after the key",
                names.join(",")
            ));
        };
        let segmentations: Vec<String> = names[1..segments].iter().map(|s| s.to_string()).collect();
        if let Some(twice) = first_repeated(&segmentations) {
            return Err(format!("the header has the column `{twice}` twice"));
        }
        Ok(Layout {
            segmentations,
            segments,
        })
    }
}

/// The first name that appears again later in `names`.
fn first_repeated(names: &[String]) -> Option<&String> {
    let repeated = |(i, name): &(usize, &String)| names[i + 1..].contains(name);
    names
        .iter()
        .enumerate()
        .find(repeated)
        .map(|(_, name)| name)
}

/// Distinct names in order of appearance, each with its index.
#[derive(Default)]
struct Names {
    /// The names.
    list: Vec<String>,
    /// Each name's position in `list`.
    index: HashMap<String, u16>,
}

impl Names {
    /// The index of `name`, added when new.
    fn intern(&mut self, name: &str) -> Result<u16, String> {
        if let Some(&i) = self.index.get(name) {
            return Ok(i);
        }
        let i = u16::try_from(self.list.len())
            .ok()
            .filter(|&i| i < u16::MAX)
            .ok_or_else(|| format!("more than {} different names in one column", u16::MAX - 1))?;
        self.list.push(name.to_string());
        self.index.insert(name.to_string(), i);
        Ok(i)
    }
}

/// One entity's row, with names as indices.
struct Row {
    /// The entity's key.
    key: Arc<str>,
    /// Where the row starts.
    line: u64,
    /// Per segmentation, the segment's index.
    segmentations: Vec<Option<u16>>,
    /// The standalone segments held.
    segments: Vec<u16>,
    /// (campaign, variant) pairs.
    campaigns: Vec<(u16, u16)>,
}

/// The rows read so far and the names they use.
struct Table {
    /// Where the columns are.
    layout: Layout,
    /// Per segmentation, its segment names.
    labels: Vec<Names>,
    /// The standalone segments.
    segments: Names,
    /// The campaigns.
    campaigns: Names,
    /// Per campaign, its variant names.
    variants: Vec<Names>,
    /// The rows, in file order until sorted.
    rows: Vec<Row>,
}

impl Table {
    /// An empty table for the columns of `header`.
    fn new(header: &csv::StringRecord) -> Result<Table, String> {
        let layout = Layout::of(header)?;
        Ok(Table {
            labels: layout
                .segmentations
                .iter()
                .map(|_| Names::default())
                .collect(),
            layout,
            segments: Names::default(),
            campaigns: Names::default(),
            variants: Vec::new(),
            rows: Vec::new(),
        })
    }

    /// Reads one data row.
    fn push(&mut self, record: &csv::StringRecord, line: u64) -> Result<(), String> {
        let cell = |i: usize| record.get(i).unwrap_or_default();
        let segmentations = (0..self.labels.len())
            .map(|s| self.segmentation(s, cell(s + 1)))
            .collect::<Result<_, _>>()?;
        let segments = self.segments_of(cell(self.layout.segments))?;
        let campaigns = self.campaigns_of(cell(self.layout.segments + 1))?;
        self.rows.push(Row {
            key: Arc::from(cell(0)),
            line,
            segmentations,
            segments,
            campaigns,
        });
        Ok(())
    }

    /// A segmentation cell: a segment name, or empty for none.
    fn segmentation(&mut self, s: usize, text: &str) -> Result<Option<u16>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        self.labels[s].intern(text).map(Some)
    }

    /// The `segments` cell: `;`-separated names, each once.
    fn segments_of(&mut self, text: &str) -> Result<Vec<u16>, String> {
        let mut held = Vec::new();
        for name in items("segments", text)? {
            let i = self.segments.intern(name)?;
            if held.contains(&i) {
                return Err(format!(
                    "column `segments`: the segment `{name}` is listed twice"
                ));
            }
            held.push(i);
        }
        Ok(held)
    }

    /// The `campaigns` cell: `;`-separated `campaign:variant` pairs, a campaign once.
    fn campaigns_of(&mut self, text: &str) -> Result<Vec<(u16, u16)>, String> {
        let mut held: Vec<(u16, u16)> = Vec::new();
        for item in items("campaigns", text)? {
            let (campaign, variant) = split_membership(item)?;
            let c = self.campaigns.intern(campaign)?;
            if held.iter().any(|&(h, _)| h == c) {
                return Err(format!(
                    "column `campaigns`: the campaign `{campaign}` is listed twice"
                ));
            }
            if self.variants.len() <= usize::from(c) {
                self.variants.push(Names::default());
            }
            held.push((c, self.variants[usize::from(c)].intern(variant)?));
        }
        Ok(held)
    }

    /// Sorts the rows by key and turns them into columns.
    fn finish(mut self) -> Result<Assignments, Problem> {
        self.rows.sort_by(|a, b| a.key.cmp(&b.key));
        if let Some(pair) = self.rows.windows(2).find(|w| w[0].key == w[1].key) {
            let (first, again) = (&pair[0], &pair[1]);
            let problem = format!("the key `{}` is also on line {}", again.key, first.line);
            return Err((again.line, problem));
        }
        Ok(Assignments {
            segmentations: self.segmentation_columns(),
            segments: self.segment_columns(),
            campaigns: self.campaign_columns(),
            keys: self.rows.into_iter().map(|r| r.key).collect(),
        })
    }

    /// Each segmentation: the segments the file shows and each row's.
    fn segmentation_columns(&mut self) -> Vec<Labelled> {
        let names = self.layout.segmentations.iter();
        names
            .zip(std::mem::take(&mut self.labels))
            .enumerate()
            .map(|(s, (name, labels))| Labelled {
                name: name.clone(),
                labels: labels.list,
                of: self.rows.iter().map(|r| r.segmentations[s]).collect(),
            })
            .collect()
    }

    /// Each standalone segment the file shows and the rows that hold it.
    fn segment_columns(&self) -> Vec<Membership> {
        let mut columns: Vec<Membership> = self
            .segments
            .list
            .iter()
            .map(|name| Membership {
                name: name.clone(),
                members: vec![false; self.rows.len()],
            })
            .collect();
        for (e, row) in self.rows.iter().enumerate() {
            for &s in &row.segments {
                columns[usize::from(s)].members[e] = true;
            }
        }
        columns
    }

    /// Each campaign the file shows: its variants and each row's.
    fn campaign_columns(&mut self) -> Vec<Labelled> {
        let variants = std::mem::take(&mut self.variants);
        let mut columns: Vec<Labelled> = self
            .campaigns
            .list
            .iter()
            .zip(variants)
            .map(|(name, variants)| Labelled {
                name: name.clone(),
                labels: variants.list,
                of: vec![None; self.rows.len()],
            })
            .collect();
        for (e, row) in self.rows.iter().enumerate() {
            for &(c, variant) in &row.campaigns {
                columns[usize::from(c)].of[e] = Some(variant);
            }
        }
        columns
    }
}

/// The `;`-separated items of a list cell (none when empty); an empty item is an error.
fn items<'t>(column: &str, text: &'t str) -> Result<Vec<&'t str>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<&str> = text.split(';').collect();
    if items.iter().any(|i| i.is_empty()) {
        return Err(format!("column `{column}`: `{text}` has an empty item"));
    }
    Ok(items)
}

/// `campaign:variant` split at the colon.
fn split_membership(item: &str) -> Result<(&str, &str), String> {
    match item.split_once(':') {
        Some((campaign, variant)) if !campaign.is_empty() && !variant.is_empty() => {
            Ok((campaign, variant))
        }
        _ => Err(format!(
            "column `campaigns`: `{item}` is not `campaign:variant`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` as a file's content.
    fn parse(text: &str) -> Result<Assignments, Problem> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        read(reader)
    }

    /// Each column's name and its cells, by key.
    fn shown(a: &Assignments) -> Vec<String> {
        let keys = a.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let mut out = vec![keys.join(",")];
        for s in a.segmentations.iter().chain(&a.campaigns) {
            let cells: Vec<&str> = (0..a.keys.len())
                .map(|e| s.label_of(e).unwrap_or("-"))
                .collect();
            out.push(format!("{}: {}", s.name, cells.join(",")));
        }
        for s in &a.segments {
            let cells: Vec<&str> = s
                .members
                .iter()
                .map(|&m| if m { "x" } else { "-" })
                .collect();
            out.push(format!("{}: {}", s.name, cells.join(",")));
        }
        out
    }

    /// Rows come out in key order; names in the order the file first shows them.
    #[test]
    fn reads_quoted_cells_unsorted_rows_and_ignores_values() {
        let text = "id,tier,segments,campaigns,spend\n\
                    k2,\"gold, old\",vip;big,winback:holdout;thanks:treated,1.5\n\
                    k1,,big,thanks:treated,\"\"\n";
        let read = parse(text).map(|a| shown(&a));
        assert_eq!(
            read,
            Ok(vec![
                "k1,k2".to_string(),
                "tier: -,gold, old".to_string(),
                "winback: -,holdout".to_string(),
                "thanks: treated,treated".to_string(),
                "vip: -,x".to_string(),
                "big: x,x".to_string(),
            ])
        );
    }

    #[test]
    fn a_file_without_segmentations_or_rows_is_fine() {
        let read = parse("id,segments,campaigns\n").map(|a| shown(&a));
        assert_eq!(read, Ok(vec![String::new()]));
    }

    #[test]
    fn problems_name_their_line() {
        let cases = [
            (
                "id,a,a,segments,campaigns\n",
                1,
                "the header has the column `a` twice",
            ),
            (
                "segments,campaigns\nx,y\n",
                1,
                "lacks the `segments,campaigns` columns",
            ),
            (
                "id,segments,campaigns\nk1,,c:\n",
                2,
                "`c:` is not `campaign:variant`",
            ),
            (
                "id,segments,campaigns\nk1,v;v,\n",
                2,
                "the segment `v` is listed twice",
            ),
            (
                "id,segments,campaigns\nk1,,\nk1,,\n",
                3,
                "the key `k1` is also on line 2",
            ),
        ];
        for (text, line, problem) in cases {
            match parse(text) {
                Err((at, message)) => {
                    assert_eq!(at, line, "{text}");
                    assert!(message.contains(problem), "{text}: {message}");
                }
                Ok(_) => panic!("{text} was read"),
            }
        }
    }
}
