#!/usr/bin/env python3
"""Differential test of `seg sql` against `seg run`: random programs on random data.

    differential.py SEG WORKDIR [--cases N] [--seed S] [--engine duckdb|postgres]

For each case: a random program (lets over event aggregates with random `where`s, entity
fields, population functions, segments, segmentations, campaigns with holdouts, variants,
budgets, caps, rank keys, a policy) and random data (nulls, ties, edge dates, orphan
events, events after as_of), run by `seg run --with-values` and by the DuckDB script of
`seg sql --with-values --data ... --export` (DuckDB by the Python package; PostgreSQL by
`psql`, connected by the usual PGHOST, PGPORT, PGUSER, PGDATABASE variables); the CSV
outputs must be byte-identical. A
program that does not pass `seg check` is generated again. On a mismatch the program is
shrunk (items dropped while the mismatch stays) and kept under WORKDIR/mismatch-N/ in
the layout of tests/sql/fixtures (rules.seg and one CSV per table: copy the folder there,
named after what it shows, to keep it as a fixture); the script exits 1. Deterministic for a given seed.
"""
import argparse
import csv
import datetime as dt
import filecmp
import os
import random
import shutil
import subprocess
import sys

import duckdb

AS_OF = dt.date(2026, 6, 30)

SCHEMA = """entity person key id {
  id: string
  joined: date
  born: date?
  tier: enum("a", "b", "c")?
  score: int?
  balance: decimal?
  ratio: float?
  vip: bool?
  city: string?
}

events buys time at {
  id: string
  at: datetime
  amount: decimal?
  qty: int?
  kind: enum("x", "y", "z")?
  note: string?
}

events visits time on {
  id: string
  on: date
  pages: int?
}

action offer {
  channel: enum("sms", "email")
  value: decimal
  cost: decimal?
  note: string?
}

action ping {
  channel: enum("sms", "email")
}
"""

BUY_WHERES = [
    "amount > {d}", "amount <= {d}", "qty >= {i}", "qty is null", "kind in [\"x\", \"y\"]",
    "kind == \"z\"", "kind not in [\"x\"]", "at > as_of - {n} days", "at >= as_of - {m} months",
    "not (amount between {d} and {d2})", "note is not null", "amount * qty > {d}",
    "amount > avg_amount_all", "qty > score",
]
VISIT_WHERES = ["pages > {i}", "on > as_of - {n} days", "pages is null", "on <= joined + 1 year"]


class Program:
    """A random program: lets (name, type, text), then segments and campaigns."""

    def __init__(self, rng):
        self.rng = rng
        self.lets = []  # (name, kind, text) kind: num | int | date | text | bool
        self.items = []  # extra items (segments, segmentations, campaigns, policy)

    def fill(self, n):
        r = self.rng
        self.lets.append(("avg_amount_all", "num", "avg(buys.amount)"))
        for i in range(n):
            self.lets.append(self.random_let(f"l{i}"))
        nums = [l for l in self.lets if l[1] in ("num", "int")]
        for i in range(r.randint(0, 2)):
            base = r.choice(nums)[0]
            func = r.choice(["ntile({x}, {k})", "percentile({x}, 0.{p})", "percent_rank({x})",
                             "mean({x})", "{x} - mean({x})"])
            self.lets.append((f"pop{i}", "num", func.format(x=base, k=r.randint(2, 7),
                                                           p=r.randint(1, 9))))
        for i in range(r.randint(1, 3)):
            self.items.append(f"segment s{i} when {self.cond()}")
        for i in range(r.randint(1, 2)):
            rules = [f"  segment g{i}r{j} when {self.cond()}" for j in range(r.randint(1, 4))]
            if r.random() < 0.5:
                rules.append(f"  segment g{i}other otherwise")
            self.items.append(f"segmentation g{i} {{\n" + "\n".join(rules) + "\n}")
        if r.random() < 0.5:
            self.items.append(f"policy {{ max_campaigns {r.randint(1, 2)} }}")
        for i in range(r.randint(1, 3)):
            self.items.append(self.campaign(i))

    def num(self):
        names = [l[0] for l in self.lets if l[1] in ("num", "int")]
        return self.rng.choice(names + ["score", "balance", "ratio"])

    def cond(self):
        r = self.rng
        forms = [
            lambda: f"{self.num()} > {r.randint(-2, 20)}",
            lambda: f"{self.num()} <= {r.randint(0, 50)}.{r.randint(0, 9)}",
            lambda: f"{self.num()} between {r.randint(0, 5)} and {r.randint(5, 30)}",
            lambda: f"{self.num()} is null",
            lambda: "vip",
            lambda: "not vip",
            lambda: f"tier in [\"a\", \"{r.choice('bc')}\"]",
            lambda: f"month(joined) == {r.randint(1, 12)}",
            lambda: f"{self.num()} >= {self.num()}",
            lambda: "city == " + r.choice(['"北京"', '"x,y"', '"q\\"t"']),
        ]
        c = r.choice(forms)()
        if r.random() < 0.4:
            c = f"{c} {r.choice(['and', 'or'])} {r.choice(forms)()}"
        if r.random() < 0.15:
            c = f"not ({c})"
        return c

    def where(self, stream):
        r = self.rng
        if r.random() < 0.4:
            return ""
        choices = BUY_WHERES if stream == "buys" else VISIT_WHERES
        w = r.choice(choices).format(d=f"{r.randint(1, 60)}.{r.randint(0, 99):02d}",
                                     d2=f"{r.randint(60, 90)}.5", i=r.randint(0, 4),
                                     n=r.randint(1, 400), m=r.randint(1, 14))
        return f" where {w}"

    def random_let(self, name):
        r = self.rng
        wb, wv = self.where("buys"), self.where("visits")
        forms = [
            ("int", f"count(buys{wb})"),
            ("int", f"count(visits{wv})"),
            ("num", f"sum(buys.amount{wb})"),
            ("int", f"sum(buys.qty{wb})"),
            ("num", f"avg(buys.amount{wb})"),
            ("num", f"avg(visits.pages{wv})"),
            ("num", f"min(buys.amount{wb})"),
            ("num", f"max(buys.qty{wb})"),
            ("int", f"count_distinct(buys.kind{wb})"),
            ("text", f"mode(buys.kind{wb})"),
            ("text", f"first(buys.note{wb})"),
            ("num", f"last(buys.amount{wb})"),
            ("int", f"days_between(max(buys.at{wb}), as_of)"),
            ("int", f"days_between(min(visits.on{wv}), as_of)"),
            ("bool", f"exists(visits{wv})"),
            ("int", "age(born)"),
            ("int", "days_between(joined, as_of)"),
            ("int", f"coalesce(score, {r.randint(0, 9)})"),
            ("num", f"balance * {r.randint(1, 3)}.5"),
            ("num", "ratio + 1"),
            ("int", "if vip then 1 else 0"),
            ("text", "concat(city, \"-\", tier)"),
            ("date", f"joined + {r.randint(1, 40)} {r.choice(['days', 'weeks', 'months', 'years'])}"),
            ("int", "weekday(joined)"),
            ("num", "round(balance, 1)"),
            ("int", "length(upper(city))"),
            ("num", "least(score, balance)"),
        ]
        if any(l[1] in ("num", "int") for l in self.lets):
            forms += [
                ("num", f"{self.num()} / {self.num()}"),
                ("num", f"{self.num()} + {self.num()}"),
                ("num", f"if {self.cond()} then {self.num()} else null"),
            ]
        kind, text = r.choice(forms)
        return (name, kind, text)

    def campaign(self, i):
        r = self.rng
        lines = [f"campaign c{i} {{", f"  audience {self.cond()}", f"  priority {r.randint(-1, 3)}"]
        if r.random() < 0.5:
            lines.append(f"  holdout {r.choice([5, 10, 25, 50])}%")
        if r.random() < 0.4:
            lines.append(f"  budget {r.randint(5, 200)}")
        if r.random() < 0.4:
            lines.append(f"  cap {r.randint(1, 30)}")
        if r.random() < 0.6:
            lines.append(f"  rank by {self.num()} {r.choice(['asc', 'desc'])}")
        if r.random() < 0.3:
            lines.append(f"  salt \"s{r.randint(0, 9)}\"")
        def do():
            when = f" when {self.cond()}" if r.random() < 0.4 else ""
            if r.random() < 0.7:
                cost = r.choice([f"{r.randint(1, 9)}.50", "null", "balance"])
                return (f"do offer(channel: if vip then \"sms\" else \"email\", "
                        f"value: {r.randint(1, 50)}, cost: {cost}, note: city){when}")
            return f"do ping(channel: \"email\"){when}"
        if r.random() < 0.35:
            w = r.choice([[50, 50], [30, 70], [20, 30, 50]])
            for j, weight in enumerate(w):
                body = do() if r.random() < 0.85 else ""
                lines.append(f"  variant v{j} {weight}% {{ {body} }}")
        else:
            for _ in range(r.randint(1, 2)):
                lines.append("  " + do())
        lines.append("}")
        return "\n".join(lines)

    def text(self, lets=None, items=None):
        lets = self.lets if lets is None else lets
        items = self.items if items is None else items
        out = [SCHEMA]
        out += [f"let {n} = {t}" for n, _, t in lets]
        out += items
        return "\n".join(out) + "\n"


def random_data(rng, folder):
    os.makedirs(folder, exist_ok=True)
    keys = [f"k{i:03d}" for i in range(rng.randint(20, 60))]
    keys += ["=cmd", "a,b", "中文"]
    cities = ["北京", "x,y", "q\"t", "", "上海"]

    def maybe(value, p=0.2):
        return "" if rng.random() < p else value

    def day(base, spread):
        return base + dt.timedelta(days=rng.randint(-spread, spread))

    edge = [AS_OF, AS_OF + dt.timedelta(days=1), AS_OF - dt.timedelta(days=1),
            dt.date(2024, 2, 29), dt.date(2026, 1, 31), dt.date(2025, 6, 30)]
    with open(f"{folder}/person.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "joined", "born", "tier", "score", "balance", "ratio", "vip", "city"])
        for k in keys:
            joined = rng.choice(edge) if rng.random() < 0.2 else day(AS_OF, 900)
            w.writerow([k, joined, maybe(str(rng.choice([dt.date(1996, 2, 29), day(dt.date(1980, 6, 15), 5000)]))),
                        maybe(rng.choice("abc")), maybe(str(rng.randint(-3, 12))),
                        maybe(f"{rng.randint(0, 40)}.{rng.randint(0, 99):02d}"),
                        maybe(str(rng.choice([0.5, 0.25, 1.0, 3.75, 0.0]))),
                        maybe(rng.choice(["true", "false", "1", "0"])), rng.choice(cities)])
    with open(f"{folder}/buys.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "at", "amount", "qty", "kind", "note"])
        for k in keys + ["orphan"]:
            for _ in range(rng.randint(0, 8)):
                d = rng.choice(edge) if rng.random() < 0.2 else day(AS_OF, 420)
                t = dt.datetime.combine(d, dt.time(rng.choice([0, 9, 23]), rng.choice([0, 30])))
                w.writerow([k, t.isoformat(), maybe(f"{rng.randint(1, 80)}.{rng.choice(['00', '50', '99'])}"),
                            maybe(str(rng.randint(0, 5))), maybe(rng.choice("xyz")),
                            maybe(rng.choice(["n1", "n2", "长"]))])
    with open(f"{folder}/visits.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "on", "pages"])
        for k in keys:
            for _ in range(rng.randint(0, 5)):
                d = rng.choice(edge) if rng.random() < 0.2 else day(AS_OF, 420)
                w.writerow([k, d, maybe(str(rng.randint(0, 6)))])


ENGINE = "duckdb"


def run_script(script):
    """Runs a script in the engine under test; an error message, or None."""
    if ENGINE == "duckdb":
        try:
            duckdb.connect().execute(script)
        except duckdb.Error as e:
            return str(e)
        return None
    done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"], input=script,
                          capture_output=True, text=True)
    return done.stderr if done.returncode else None


def run_both(seg, case, program_text, data):
    """'same', 'check' (program does not check) or a description of the difference."""
    rules = f"{case}/rules.seg"
    with open(rules, "w") as f:
        f.write(program_text)
    check = subprocess.run([seg, "check", rules], capture_output=True, text=True)
    if check.returncode == 1:
        return "check"
    bind = [f"--data=person={data}/person.csv", f"--data=buys={data}/buys.csv",
            f"--data=visits={data}/visits.csv"]
    common = ["--as-of", str(AS_OF), "--with-values"]
    for d in ("run", "sql"):
        shutil.rmtree(f"{case}/{d}", ignore_errors=True)
    run = subprocess.run([seg, "run", rules, *bind, *common, "--out", f"{case}/run", "--quiet"],
                         capture_output=True, text=True)
    sql = subprocess.run([seg, "sql", rules, *bind, *common, "--export", f"{case}/sql",
                          "--dialect", ENGINE], capture_output=True, text=True)
    if run.returncode != 0 or sql.returncode != 0:
        return f"seg failed: {run.stderr[-2000:]} {sql.stderr[-2000:]}"
    error = run_script(sql.stdout)
    if error:
        return f"{ENGINE} failed: {error}"
    files = ["assignments.csv"] + [f"actions/{a}.csv" for a in ("offer", "ping")]
    for name in files:
        a, b = f"{case}/run/{name}", f"{case}/sql/{name}"
        if not filecmp.cmp(a, b, shallow=False):
            return f"{name} differs:\n" + diff_lines(a, b)
    return "same"


def diff_lines(a, b):
    la, lb = open(a).read().splitlines(), open(b).read().splitlines()
    out = [f"  seg run: {x}\n  seg sql: {y}" for x, y in zip(la, lb) if x != y][:5]
    if len(la) != len(lb):
        out.append(f"  {len(la)} lines against {len(lb)}")
    return "\n".join(out)


def shrink(seg, case, program, data):
    """Drops lets (those nothing else names) and items while the mismatch stays."""
    lets, items = list(program.lets), list(program.items)
    changed = True
    while changed:
        changed = False
        for i in range(len(items)):
            trial = items[:i] + items[i + 1:]
            result = run_both(seg, case, program.text(lets, trial), data)
            if result not in ("same", "check"):
                items, changed = trial, True
                break
        for i in range(len(lets)):
            trial = lets[:i] + lets[i + 1:]
            result = run_both(seg, case, program.text(trial, items), data)
            if result not in ("same", "check"):
                lets, changed = trial, True
                break
    return program.text(lets, items)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seg")
    ap.add_argument("workdir")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engine", choices=["duckdb", "postgres"], default="duckdb")
    a = ap.parse_args()
    global ENGINE
    ENGINE = a.engine
    a.workdir = os.path.abspath(a.workdir)
    rng = random.Random(a.seed)
    os.makedirs(a.workdir, exist_ok=True)
    mismatches, checked, rejected = 0, 0, 0
    data = f"{a.workdir}/data"
    for n in range(a.cases):
        if n % 10 == 0:
            random_data(rng, data)
        case = f"{a.workdir}/case"
        os.makedirs(case, exist_ok=True)
        while True:
            program = Program(rng)
            program.fill(rng.randint(2, 7))
            result = run_both(a.seg, case, program.text(), data)
            if result != "check":
                break
            rejected += 1
        checked += 1
        if result != "same":
            mismatches += 1
            keep = f"{a.workdir}/mismatch-{mismatches}"
            small = shrink(a.seg, case, program, data)
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(data, keep)
            with open(f"{keep}/rules.seg", "w") as f:
                f.write(small)
            print(f"case {n}: {result}\n  shrunk program and data in {keep}", file=sys.stderr)
    print(f"{checked} programs compared ({rejected} generated programs did not check), "
          f"{mismatches} mismatches")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
