#!/usr/bin/env bash
# benches/compare.sh: seg against the DuckDB yardstick on the shared benchmark, and the
# speed of `seg check`, measured in one run (docs/performance.md).
#
#   benches/compare.sh [--customers N[,N...]] [--runs R] [--data-dir DIR] [--threads T]
#
# For each size N (default 1000000):
#   1. generates the data once with ../shared/bench/gen_data.py into DIR/cN
#      (DIR defaults to target/bench-data; 10M customers is about 6 GB, ~15 minutes);
#   2. runs the oracle ../shared/bench/reference_duckdb.py into target/bench-out/expected-cN
#      (again only when the data, bench.seg or the oracle changed);
#   3. runs `seg run bench.seg` and core_duckdb.py (DuckDB with T threads, default 2)
#      alternately, R times each (default 3), each under /usr/bin/time -v, and checks every
#      seg output against the oracle with compare.py (a mismatch stops the script).
# Then it generates 1,000 small rule files and one file of 20,000 lines and times
# `seg check` on each (median of 3).
#
# It prints Markdown tables of medians (wall, CPU = user + sys, peak resident memory) and
# the ratios seg / DuckDB; they are also written to target/bench-out/results.md. Progress
# goes to standard error. Installs the Python `duckdb` package and Debian's `time` when
# they are missing. Runs from any folder.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BENCH=$ROOT/../shared/bench
SEG=$ROOT/target/release/seg
OUT=$ROOT/target/bench-out
AS_OF=2026-06-30

CUSTOMERS=1000000
RUNS=3
DATA_DIR=$ROOT/target/bench-data
THREADS=2

usage() {
    sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

log() { printf '%s\n' "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }

parse_args() {
    while (($#)); do
        case $1 in
            --customers) CUSTOMERS=${2:?--customers needs a value}; shift 2 ;;
            --customers=*) CUSTOMERS=${1#*=}; shift ;;
            --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
            --runs=*) RUNS=${1#*=}; shift ;;
            --data-dir) DATA_DIR=${2:?--data-dir needs a value}; shift 2 ;;
            --data-dir=*) DATA_DIR=${1#*=}; shift ;;
            --threads) THREADS=${2:?--threads needs a value}; shift 2 ;;
            --threads=*) THREADS=${1#*=}; shift ;;
            -h | --help) usage 0 ;;
            *) log "unknown argument: $1"; usage 2 >&2 ;;
        esac
    done
    [[ $CUSTOMERS =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--customers takes N or N,N,... (got $CUSTOMERS)"
    [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number (got $RUNS)"
    mkdir -p "$DATA_DIR" "$OUT"
    DATA_DIR=$(cd "$DATA_DIR" && pwd)
}

# --- tools -------------------------------------------------------------------------

ensure_tools() {
    if [[ ! -x /usr/bin/time ]]; then
        log "installing Debian's time package (for /usr/bin/time -v)"
        apt-get update -qq && apt-get install -y -qq time >&2
    fi
    if ! python3 -c 'import duckdb' 2>/dev/null; then
        log "installing the Python duckdb package"
        python3 -m pip install --quiet duckdb >&2 ||
            python3 -m pip install --quiet --break-system-packages duckdb >&2
    fi
}

build_seg() {
    log "building seg (cargo build --release)"
    cargo build --release --quiet
}

# --- data and the oracle -----------------------------------------------------------

# Generates DIR/cN once (into a temporary folder, moved into place when complete).
data_for() {
    local n=$1 dir=$DATA_DIR/c$1
    if [[ ! -f $dir/messages.csv ]]; then
        log "generating $n customers into $dir"
        rm -rf "$dir.tmp"
        python3 "$BENCH/gen_data.py" --customers "$n" --out "$dir.tmp" >&2
        mv "$dir.tmp" "$dir"
    fi
    printf '%s\n' "$dir"
}

# Runs the oracle into target/bench-out/expected-cN unless its output is up to date.
expected_for() {
    local n=$1 data=$2 dir=$OUT/expected-c$1
    local stamp=$dir/.complete
    if [[ -f $stamp && $stamp -nt $BENCH/reference_duckdb.py && $stamp -nt $BENCH/bench.seg &&
          $stamp -nt $data/orders.csv ]]; then
        log "oracle output for $n customers is up to date"
    else
        log "running the oracle (reference_duckdb.py) for $n customers"
        rm -rf "$dir"
        python3 "$BENCH/reference_duckdb.py" --data "$data" --as-of "$AS_OF" --out "$dir" \
            --threads "$THREADS" >&2
        touch "$stamp"
    fi
    printf '%s\n' "$dir"
}

# --- measuring ---------------------------------------------------------------------

# Runs a command under /usr/bin/time -v (its output to standard error) and prints
# "WALL_SECONDS CPU_SECONDS PEAK_KIB". A failing command stops the script.
measure() {
    local report
    report=$(mktemp)
    if ! /usr/bin/time -v -o "$report" "$@" >&2; then
        cat "$report" >&2
        rm -f "$report"
        die "failed: $*"
    fi
    awk -F': ' '
        /Elapsed \(wall clock\)/ {
            n = split($NF, p, ":"); wall = 0
            for (i = 1; i <= n; i++) wall = wall * 60 + p[i]
        }
        /User time \(seconds\)/   { cpu += $NF }
        /System time \(seconds\)/ { cpu += $NF }
        /Maximum resident set size/ { rss = $NF }
        END { printf "%.2f %.2f %d\n", wall, cpu, rss }
    ' "$report"
    rm -f "$report"
}

# The median of column COL (1 wall, 2 CPU, 3 peak KiB) of measure lines (the mean of the
# middle two for an even count).
median_of() {
    local col=$1
    shift
    printf '%s\n' "$@" | awk -v c="$col" '{ print $c }' | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# "WALL CPU KIB": the medians of measure lines.
medians() {
    printf '%s %s %s\n' "$(median_of 1 "$@")" "$(median_of 2 "$@")" "$(median_of 3 "$@")"
}

# One Markdown table row of the arguments.
row() {
    local cell line="|"
    for cell in "$@"; do line+=" $cell |"; done
    printf '%s\n' "$line"
}

per() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
secs() { awk -v s="$1" 'BEGIN { printf "%.2f s", s }'; }
thousands() { printf '%d' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# --- seg run against core_duckdb.py --------------------------------------------------

# The two commands timed, as arrays (/usr/bin/time runs programs, not shell functions).
seg_command() {
    local data=$1 out=$2
    SEG_CMD=("$SEG" run "$BENCH/bench.seg" --data "customer=$data/customers.csv"
        --data "orders=$data/orders.csv" --data "messages=$data/messages.csv"
        --as-of "$AS_OF" --out "$out" -q)
}

duckdb_command() {
    local data=$1 out=$2
    DUCK_CMD=(python3 "$BENCH/core_duckdb.py" --data "$data" --out "$out" --as-of "$AS_OF"
        --threads "$THREADS")
}

# Fails loudly unless seg's output folder equals the oracle's.
check_output() {
    local expected=$1 actual=$2 result
    if ! result=$(python3 "$BENCH/compare.py" "$expected" "$actual" 2>&1); then
        printf '%s\n' "$result" >&2
        die "seg's output in $actual differs from the oracle's ($expected)"
    fi
    log "  outputs match the oracle: ${result##*$'\n'}"
}

# Measures one size and appends its row to RUN_ROWS (and its scaling row to SCALE_ROWS).
bench_size() {
    local n=$1 data expected seg_out duck_out run
    data=$(data_for "$n")
    expected=$(expected_for "$n" "$data")
    seg_out=$OUT/seg-c$n
    duck_out=$OUT/core-duckdb-c$n.csv
    seg_command "$data" "$seg_out"
    duckdb_command "$data" "$duck_out"
    local seg=() duck=()
    for ((run = 1; run <= RUNS; run++)); do
        log "[$n customers, run $run/$RUNS] seg run"
        seg+=("$(measure "${SEG_CMD[@]}")")
        log "  ${seg[-1]}  (wall s, CPU s, peak KiB)"
        check_output "$expected" "$seg_out"
        log "[$n customers, run $run/$RUNS] core_duckdb.py"
        duck+=("$(measure "${DUCK_CMD[@]}")")
        log "  ${duck[-1]}"
    done
    local sw sc sm dw dc dm
    read -r sw sc sm <<<"$(medians "${seg[@]}")"
    read -r dw dc dm <<<"$(medians "${duck[@]}")"
    RUN_ROWS+=("$(row "$(thousands "$n")" "$(secs "$sw")" "$(secs "$sc")" "$(mib "$sm")" \
        "$(secs "$dw")" "$(secs "$dc")" "$(mib "$dm")" \
        "$(ratio "$sw" "$dw")" "$(ratio "$sc" "$dc")" "$(ratio "$sm" "$dm")")")
    local events millions
    events=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["events_read"])' \
        "$seg_out/summary.json")
    millions=$(awk -v n="$n" 'BEGIN { print n / 1000000 }')
    SCALE_ROWS+=("$(row "$(thousands "$n")" "$(thousands "$events")" \
        "$(secs "$sw")" "$(secs "$(per "$sw" "$millions")")" \
        "$(mib "$sm")" "$(mib "$(per "$sm" "$millions")")")")
}

# --- seg check on generated rule sets -------------------------------------------------

# Writes FOLDER/rule_NNNN.seg (COUNT small programs), or with COUNT = 0 one file
# FOLDER/big.seg of at least 20,000 lines. Each program: an entity, two events streams,
# params, lets, a segmentation, segments, an action and a campaign; names, thresholds
# and shapes vary from file to file and block to block.
generate_rules() {
    local folder=$1 count=$2
    rm -rf "$folder"
    mkdir -p "$folder"
    python3 - "$folder" "$count" <<'PY'
import sys
from pathlib import Path

folder, count = Path(sys.argv[1]), int(sys.argv[2])
PEOPLE = ["shopper", "member", "client", "guest", "patron", "buyer", "subscriber", "account"]
BUYS = ["purchases", "orders", "baskets", "bookings", "payments", "tickets"]
SEEN = ["visits", "sessions", "clicks", "opens", "views"]
WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor",
         "iris", "juniper", "kestrel", "lotus", "maple", "nectar", "onyx", "pine"]


def header(i):
    who, buy, seen = PEOPLE[i % 8], BUYS[i % 6], SEEN[i % 5]
    text = f"""// Generated rule set {i}.
entity {who} key {who}_id {{
  {who}_id: string
  joined_on: date
  region: enum("north", "south", "east", "west")
  email_ok: bool
  sms_ok: bool
}}

events {buy} time at {{
  {who}_id: string
  at: datetime
  total: decimal
  aisle: string
  channel: enum("store", "app", "web")
}}

events {seen} time seen_at {{
  {who}_id: string
  seen_at: datetime
  page: string
}}
"""
    return text, buy, seen


def block(i, buy, seen):
    n = f"{WORDS[i % 16]}{i}"
    days, share, budget = 30 + i % 300, 50 + i % 40, 100 + i % 900
    extra = "" if i % 3 else f"segment window_{n} when tenure_{n} between 31 and 365\n"
    variants = (f"""  variant small_{n} 50% {{
    do offer_{n}(channel: if sms_ok then "sms" else "email", aisle: fav_{n}, cost: 1.50)
  }}
  variant large_{n} 50% {{
    do offer_{n}(channel: if sms_ok then "sms" else "email", aisle: fav_{n}, cost: 4.00)
  }}""" if i % 2 else
                f'  do offer_{n}(channel: if sms_ok then "sms" else "email", aisle: fav_{n}, cost: 2.50)')
    return f"""
// Block {n}.
param lapse_{n}: int = {days}

let gap_{n}    = days_between(max({buy}.at), as_of)
let spend_{n}  = sum({buy}.total where at > as_of - {days} days)
let trips_{n}  = count({buy} where channel in ["store", "app"])
let views_{n}  = count({seen} where seen_at > as_of - 30 days and page != "home")
let fav_{n}    = mode({buy}.aisle)
let tenure_{n} = days_between(joined_on, as_of)
let reach_{n}  = email_ok or sms_ok
let band_{n}   = ntile(spend_{n}, {3 + i % 5})

segmentation stage_{n} {{
  segment fresh_{n}    when tenure_{n} <= 30
  segment regular_{n}  when gap_{n} <= lapse_{n}
  segment drifting_{n} when gap_{n} <= 2 * lapse_{n} and views_{n} > 0
  segment lapsed_{n}   when gap_{n} > lapse_{n}
  segment rest_{n}     otherwise
}}

segment big_{n} when spend_{n} >= percentile(spend_{n}, 0.{share}) and band_{n} >= 2
segment busy_{n} when trips_{n} between 3 and 20 and region in ["north", "east"]
{extra}
action offer_{n} {{
  channel: enum("sms", "email")
  aisle: string?
  cost: decimal
}}

campaign revive_{n} {{
  audience stage_{n}.lapsed_{n} and reach_{n} and not busy_{n}
  priority {i % 50}
  holdout {5 + i % 10}%
  budget {budget}
  rank by spend_{n} desc
{variants}
}}
"""


if count:
    for i in range(count):
        text, buy, seen = header(i)
        (folder / f"rule_{i:04d}.seg").write_text(text + block(i, buy, seen))
else:
    text, buy, seen = header(0)
    parts, lines, i = [text], text.count("\n"), 0
    while lines < 20000:
        parts.append(block(i, buy, seen))
        lines += parts[-1].count("\n")
        i += 1
    (folder / "big.seg").write_text("".join(parts))
PY
}

# Times `seg check FOLDER` (after one clean run) and appends its row to CHECK_ROWS.
bench_check() {
    local label=$1 folder=$2 files lines run results=()
    files=$(find "$folder" -name '*.seg' | wc -l)
    lines=$(cat "$folder"/*.seg | wc -l)
    "$SEG" check --deny-warnings "$folder" >/dev/null 2>&1 ||
        { "$SEG" check "$folder" >&2 || true; die "the generated rules in $folder do not check cleanly"; }
    for ((run = 1; run <= 3; run++)); do
        results+=("$(measure "$SEG" check --deny-warnings "$folder")")
        log "  seg check $label, run $run/3: ${results[-1]}"
    done
    local wall cpu kib under
    read -r wall cpu kib <<<"$(medians "${results[@]}")"
    under=$(awk -v w="$wall" 'BEGIN { print (w < 1 ? "yes" : "**no**") }')
    CHECK_ROWS+=("$(row "\`seg check\` $label" "$(thousands "$files")" "$(thousands "$lines")" \
        "$(secs "$wall")" "$(secs "$cpu")" "$(mib "$kib")" "$under")")
}

# --- report ----------------------------------------------------------------------------

machine() {
    local cpu
    cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
    printf '%s, %s cores, %s GiB; %s; DuckDB %s with %s threads; seg %s\n' \
        "${cpu:-unknown CPU}" "$(nproc)" \
        "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" \
        "$(uname -sr)" "$(python3 -c 'import duckdb; print(duckdb.__version__)')" "$THREADS" \
        "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '(no git)')"
}

report() {
    printf '### Measured %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf '%s; %s run(s) of each, seg and DuckDB alternately; medians.\n\n' "$(machine)" "$RUNS"
    printf '| customers | seg wall | seg CPU | seg peak MiB | DuckDB wall | DuckDB CPU | DuckDB peak MiB | wall seg/DuckDB | CPU seg/DuckDB | memory seg/DuckDB |\n'
    printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
    printf '%s\n' "${RUN_ROWS[@]}"
    cat <<'EOF'

seg: `seg run bench.seg` (all outputs, each run checked equal to reference_duckdb.py's);
DuckDB: `core_duckdb.py` (read, aggregate per customer, the three ntiles; nothing else).

EOF
    printf '| customers | events read | seg wall | seg wall per 1M customers | seg peak MiB | seg peak MiB per 1M customers |\n'
    printf '| ---: | ---: | ---: | ---: | ---: | ---: |\n'
    printf '%s\n' "${SCALE_ROWS[@]}"
    printf '\n| check | files | lines | wall | CPU | peak MiB | under 1 s |\n'
    printf '| --- | ---: | ---: | ---: | ---: | ---: | :---: |\n'
    printf '%s\n' "${CHECK_ROWS[@]}"
}

main() {
    parse_args "$@"
    ensure_tools
    build_seg
    RUN_ROWS=() SCALE_ROWS=() CHECK_ROWS=()
    local n
    for n in ${CUSTOMERS//,/ }; do
        bench_size "$n"
    done
    log "generating rule sets for seg check"
    generate_rules "$DATA_DIR/rules1000" 1000
    generate_rules "$DATA_DIR/rules20k" 0
    bench_check "(1,000 files)" "$DATA_DIR/rules1000"
    bench_check "(one 20,000-line file)" "$DATA_DIR/rules20k"
    report | tee "$OUT/results.md"
}

main "$@"
