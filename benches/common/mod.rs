//! Shared set-up of the data benchmarks: a deterministic customers/orders data set in
//! the shape `../shared/bench/gen_data.py` writes, and the program that reads it.
//!
//! Everything here runs before timing starts; only the benchmarks' closures are timed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use seg::check::hir::Hir;
use seg::syntax::load_program_from_text;

/// The entity and the orders stream of `bench.seg`, with aggregates over orders: a
/// count, a filtered count, a filtered sum, a max and a mode (one pass feeds them all).
pub const PROGRAM: &str = r#"
entity customer key customer_id {
  customer_id: string
  signup_date: date
  email_opt_in: bool
}

events orders time ordered_at {
  customer_id: string
  order_id: string
  ordered_at: datetime
  amount: decimal
  category: string
  channel: enum("store", "app", "mini_program", "web")
}

let orders_ever  = count(orders)
let frequency    = count(orders where ordered_at > as_of - 365 days)
let monetary     = sum(orders.amount where ordered_at > as_of - 365 days)
let recency      = days_between(max(orders.ordered_at), as_of)
let fav_category = mode(orders.category)

segment loyal when frequency >= 3 and monetary > 300 and recency <= 90
"#;

const CATEGORIES: [&str; 8] = [
    "tea",
    "frozen",
    "snacks",
    "dairy",
    "bakery",
    "drinks",
    "produce",
    "household",
];
const CHANNELS: [&str; 4] = ["store", "app", "mini_program", "web"];

/// A small deterministic generator (xorshift64*), so that every run reads the same bytes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// The files of one generated data set.
pub struct Data {
    /// Keeps the folder alive while the benchmark runs.
    _dir: tempfile::TempDir,
    /// `customers.csv`.
    pub customers: PathBuf,
    /// `orders.csv`.
    pub orders: PathBuf,
    /// Data rows in `orders.csv`.
    pub order_rows: u64,
}

/// Writes `customers` customers (dates around as_of 2026-06-30) and about `orders_per_customer` orders each (a quarter
/// of the customers have none, as in gen_data.py), orders grouped by customer.
pub fn write_data(customers: u64, orders_per_customer: u64) -> Data {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut rng = Rng(0x5EED_5EED_5EED_5EED);
    let mut people = String::from("customer_id,signup_date,email_opt_in\n");
    let mut orders = String::from("order_id,customer_id,ordered_at,amount,category,channel\n");
    let mut order_rows = 0;
    for c in 0..customers {
        let signup = 2020 + rng.below(6);
        let opt_in = rng.below(2) == 1;
        writeln!(
            people,
            "C{c:07},{signup}-0{}-1{},{opt_in}",
            1 + rng.below(9),
            rng.below(10)
        )
        .expect("writing to a String");
        let count = match rng.below(4) {
            0 => 0,
            _ => rng.below(2 * orders_per_customer) + 1,
        };
        for _ in 0..count {
            order_rows += 1;
            let (year, month) = if rng.below(2) == 0 {
                (2025, 7 + rng.below(6))
            } else {
                (2026, 1 + rng.below(7))
            };
            writeln!(
                orders,
                "O{order_rows:09},C{c:07},{year}-{month:02}-{:02}T{:02}:{:02}:{:02},{}.{:02},{},{}",
                1 + rng.below(28),
                rng.below(24),
                rng.below(60),
                rng.below(60),
                1 + rng.below(300),
                rng.below(100),
                CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize],
                CHANNELS[rng.below(CHANNELS.len() as u64) as usize],
            )
            .expect("writing to a String");
        }
    }
    let customers = dir.path().join("customers.csv");
    let orders_path = dir.path().join("orders.csv");
    std::fs::write(&customers, people).expect("customers.csv is written");
    std::fs::write(&orders_path, orders).expect("orders.csv is written");
    Data {
        _dir: dir,
        customers,
        orders: orders_path,
        order_rows,
    }
}

/// Parses and checks a program given as text; panics with the error count if it fails.
pub fn compile_text(path: &Path, text: &str) -> Hir {
    let program = match load_program_from_text(path, text) {
        Ok(program) => program,
        Err((_, errors)) => panic!("{} syntax errors in the benchmark program", errors.len()),
    };
    match seg::check::check(&program) {
        Ok(hir) => hir,
        Err(errors) => panic!("{} check errors in the benchmark program", errors.len()),
    }
}
