#!/usr/bin/env python3
"""Runs `seg sql --dialect spark --export DIR` scripts in one local Spark session and
writes each script's export__<table> tables as the CSV files `seg run` writes.

    spark_run.py SCRIPT DIR [SCRIPT DIR]...

Spark writes a folder of part files, not one file, so the scripts leave their text
tables for this runner (docs/sql.md). Needs the `pyspark` package and Java.
"""
import csv
import os
import shutil
import sys
import tempfile
import time

from pyspark.sql import SparkSession


def statements(script):
    """The script's statements, without comment lines."""
    for statement in open(script, encoding="utf-8").read().split(";\n"):
        body = "\n".join(l for l in statement.splitlines() if not l.startswith("--")).strip()
        if body:
            yield body


def export(spark, out):
    """Writes the export__ tables under `out`: actions_X as actions/X.csv."""
    for table in [r.tableName for r in spark.sql("SHOW TABLES").collect()]:
        if not table.startswith("export__"):
            continue
        name = table[len("export__"):]
        if name.startswith("actions_"):
            name = f"actions/{name[len('actions_'):]}"
        path = os.path.join(out, f"{name}.csv")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        frame = spark.table(table)
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(frame.columns)
            for row in frame.collect():
                writer.writerow(["" if v is None else v for v in row])
        spark.sql(f"DROP TABLE {table}")


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    warehouse = tempfile.mkdtemp(prefix="seg-spark-")
    spark = (SparkSession.builder.master("local[2]")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.driver.memory", "2g")
             .config("spark.sql.warehouse.dir", warehouse)
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for script, out in zip(args[::2], args[1::2]):
            started = time.time()
            for statement in statements(script):
                try:
                    spark.sql(statement)
                except Exception:
                    print(f"{script}: failed at\n{statement}", file=sys.stderr)
                    raise
            export(spark, out)
            print(f"{script}: {time.time() - started:.1f} s", file=sys.stderr)
    finally:
        spark.stop()
        shutil.rmtree(warehouse, ignore_errors=True)


if __name__ == "__main__":
    main()
