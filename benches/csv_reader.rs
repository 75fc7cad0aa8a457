//! The CSV reader: typed rows of a generated `orders.csv` (about 190k rows) and of its
//! `customers.csv`, read through `seg::exec::read::open` and `next_row`, as the entity
//! load and every stream pass read their files.

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use seg::check::hir::Field;
use seg::exec::Value;
use seg::exec::read::{self, Source};

/// Customers in the generated file (with about 1.9 orders each: ~190k rows).
const CUSTOMERS: u64 = 100_000;

/// Reads every row of the file; returns the rows read, so nothing is optimized away.
fn read_all(source: &Source, record: &str, fields: &[Field]) -> u64 {
    let mut reader = read::open(source, record, fields).expect("the generated file opens");
    let mut row = vec![Value::Null; fields.len()];
    let mut rows = 0;
    while let Some(result) = reader.next_row(&mut row).expect("the generated file reads") {
        result.expect("every generated row fits the schema");
        rows += 1;
    }
    black_box(&row);
    rows
}

fn csv_reader(c: &mut Criterion) {
    let data = common::write_data(CUSTOMERS, 2);
    let hir = common::compile_text(Path::new("bench.seg"), common::PROGRAM);
    let files = [
        (
            "orders",
            &data.orders,
            &hir.streams[0].record.fields,
            data.order_rows,
        ),
        ("customer", &data.customers, &hir.entity.fields, CUSTOMERS),
    ];
    let mut group = c.benchmark_group("csv_reader");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    for (record, path, fields, rows) in files {
        let source = Source::File(path.clone());
        assert_eq!(read_all(&source, record, fields), rows);
        let bytes = std::fs::metadata(path)
            .expect("the generated file exists")
            .len();
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(format!("{record}_{rows}_rows"), |b| {
            b.iter(|| read_all(black_box(&source), record, fields))
        });
    }
    group.finish();
}

criterion_group!(benches, csv_reader);
criterion_main!(benches);
