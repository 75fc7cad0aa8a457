//! One aggregation step: `seg::exec::run` of a program that loads 100k customers, makes
//! one pass over their ~190k orders feeding five per-customer aggregates (count, filtered
//! count, filtered sum, max, mode), and evaluates one segment. Measured twice: with the
//! rows already typed in memory (the pass and its accumulators, without parsing) and from
//! the CSV files (as `seg run` does it, reading included).

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use seg::check::hir::Field;
use seg::exec::read::{self, Source};
use seg::exec::{RunInput, Value};

/// The run date the data is generated around.
const AS_OF: &str = "2026-06-30";

/// Customers in the generated data (with about 1.9 orders each: ~190k orders).
const CUSTOMERS: u64 = 100_000;

/// Every row of a file, typed, as the in-memory source of a `test` block holds them.
fn typed_rows(path: &Path, record: &str, fields: &[Field]) -> Source {
    let mut reader = read::open(&Source::File(path.to_path_buf()), record, fields)
        .expect("the generated file opens");
    let mut rows = Vec::new();
    let mut row = vec![Value::Null; fields.len()];
    while let Some(result) = reader.next_row(&mut row).expect("the generated file reads") {
        let line = result.expect("every generated row fits the schema");
        rows.push((line, row.clone()));
    }
    Source::Rows {
        label: PathBuf::from(record),
        rows: Arc::new(rows),
    }
}

fn input(customer: Source, orders: Source) -> RunInput {
    RunInput {
        data: vec![("customer".into(), customer), ("orders".into(), orders)],
        as_of: NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").expect("a date"),
        params: Vec::new(),
        max_rejects: None,
    }
}

fn aggregation(c: &mut Criterion) {
    let data = common::write_data(CUSTOMERS, 2);
    let hir = common::compile_text(Path::new("bench.seg"), common::PROGRAM);
    let plan = seg::plan::plan(&hir, false);
    let in_memory = input(
        typed_rows(&data.customers, "customer", &hir.entity.fields),
        typed_rows(&data.orders, "orders", &hir.streams[0].record.fields),
    );
    let from_files = input(
        Source::File(data.customers.clone()),
        Source::File(data.orders.clone()),
    );
    for run_input in [&in_memory, &from_files] {
        let outcome = seg::exec::run(&hir, &plan, run_input).expect("the run succeeds");
        assert_eq!(outcome.stream_counts[0].read, data.order_rows);
        assert!(outcome.segments[0].iter().any(|&loyal| loyal));
    }

    let mut group = c.benchmark_group("aggregation");
    group.throughput(Throughput::Elements(data.order_rows));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    for (name, run_input) in [
        ("typed_rows_in_memory", &in_memory),
        ("csv_files", &from_files),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let outcome =
                    seg::exec::run(&hir, &plan, black_box(run_input)).expect("the run succeeds");
                black_box(outcome.segments.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, aggregation);
criterion_main!(benches);
