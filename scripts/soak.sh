#!/usr/bin/env bash
# Soak: runs every test binary of the suite N times, each run with the default test threads and a timeout,
# on whatever adapter is present, and prints a table: binary, runs, passed, failed, hung, crashed, mean seconds a run.
#
#   scripts/soak.sh [--runs N] [--timeout SECONDS] [--jobs J] [--bins DIR] [--only NAME[,...]]
#                   [--skip NAME[,...]] [--logs DIR]
#
# --jobs J soaks J binaries at once (default 1; the runs of one binary are always one after the other).
# Without --bins it builds the release test binaries first (cargo needed); with --bins DIR it runs the
# executables found in DIR (release test binaries copied from `scripts/soak.sh --pack DIR`, for a machine
# without a Rust toolchain). A hung run gets every thread's backtrace (cuda-gdb or gdb, when present) in its
# log before it is killed; logs of runs that did not pass are kept in --logs (default target/soak).
#
#   scripts/soak.sh --pack DIR   builds the release test binaries (stripped) and copies them into DIR
#
# Each binary's row is rewritten after every run, so a soak cut short (a time limit, a lost machine) still
# reports the runs that finished.
#
#   scripts/soak.sh --merge DIR...   one table from the rows of several soaks' --logs dirs (a soak split across
#                                    calls or machines, or one binary soaked by several soaks at once)
#
# Exit status: 0 when every run passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=20
timeout=300
jobs=1
bins=""
only=""
skip=""
logs="target/soak"
pack=""
merge=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --bins) bins="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --skip) skip="$2"; shift 2 ;;
    --logs) logs="$2"; shift 2 ;;
    --pack) pack="$2"; shift 2 ;;
    --merge) shift; merge="$*"; break ;;
    *) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

# Prints the table of the rows in the given files, one row a binary (rows of one binary summed).
table() {
  printf '| binary | runs | passed | failed | hung | crashed | s/run |\n|---|---:|---:|---:|---:|---:|---:|\n'
  awk -F'|' '{
      name = $2; gsub(/ /, "", name)
      if (!(name in runs)) order[++n] = name
      runs[name] += $3; passed[name] += $4; failed[name] += $5; hung[name] += $6; crashed[name] += $7
      seconds[name] += $3 * $8
    } END {
      for (i = 1; i <= n; i++) {
        b = order[i]
        printf "| %s | %d | %d | %d | %d | %d | %.1f |\n", b, runs[b], passed[b], failed[b], hung[b], crashed[b], seconds[b] / runs[b]
      }
    }' "$@" | sort
}

# Exit status 0 when every row of the table on stdin has passed = runs.
all_passed() { awk -F'|' 'NR > 2 && $3 != $4 { bad = 1 } END { exit bad }'; }

if [ -n "$merge" ]; then
  # shellcheck disable=SC2086
  rows=$(for dir in $merge; do ls "$dir"/*.row; done)
  # shellcheck disable=SC2086
  merged=$(table $rows)
  echo "$merged"
  all_passed <<<"$merged"
  exit
fi

export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/dawn-rs-runtime}"
mkdir -p "$XDG_RUNTIME_DIR" "$logs"

# The release test binaries' paths, one a line (built now).
build_test_binaries() {
  CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true \
    cargo test --release --workspace --no-run --message-format=json 2>/dev/null \
    | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])
'
}

if [ -n "$pack" ]; then
  mkdir -p "$pack"
  build_test_binaries | while read -r exe; do cp "$exe" "$pack/"; done
  ls -l "$pack"
  exit 0
fi

if [ -n "$bins" ]; then
  list=$(find "$bins" -maxdepth 1 -type f -perm -u+x | sort)
else
  list=$(build_test_binaries | sort)
fi
[ -n "$list" ] || { echo "soak: no test binaries found" >&2; exit 2; }

# The binary's name without cargo's hash suffix.
name_of() { basename "$1" | sed 's/-[0-9a-f]\{16\}$//'; }

# Dumps every thread's stack of process $1 into file $2, with whichever debugger exists.
backtraces() {
  local dbg
  for dbg in cuda-gdb gdb; do
    if command -v "$dbg" >/dev/null; then
      timeout 60 "$dbg" -batch -p "$1" -ex "thread apply all bt" >>"$2" 2>&1
      return
    fi
  done
  echo "(no gdb or cuda-gdb for backtraces)" >>"$2"
}

# Writes $logs/NAME.row: name, runs, passed, failed, hung, crashed, mean wall seconds a run.
write_row() {
  local name=$1 done=$2 passed=$3 failed=$4 hung=$5 crashed=$6 seconds=$7
  printf '| %s | %d | %d | %d | %d | %d | %s |\n' "$name" "$done" "$passed" "$failed" "$hung" "$crashed" \
    "$(awk -v s="$seconds" -v n="$done" 'BEGIN { printf "%.1f", s / n }')" >"$logs/$name.row"
}

# Soaks one binary; keeps its table row in $logs/NAME.row up to date and says how it went.
soak_one() {
  local exe=$1 name passed=0 failed=0 hung=0 crashed=0 run log pid deadline rc started seconds=0
  name=$(name_of "$exe")
  for run in $(seq 1 "$runs"); do
    log="$logs/$name.$run.log"
    started=$(date +%s.%N)
    "$exe" >"$log" 2>&1 &
    pid=$!
    deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "=== hung after ${timeout}s: backtraces ===" >>"$log"
      backtraces "$pid" "$log"
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      hung=$((hung + 1))
    else
      wait "$pid"
      rc=$?
      if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        rm -f "$log"
      elif [ $rc -gt 128 ]; then
        echo "=== killed by signal $((rc - 128)) ===" >>"$log"
        crashed=$((crashed + 1))
      else
        failed=$((failed + 1))
      fi
    fi
    seconds=$(awk -v s="$seconds" -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print s + b - a }')
    write_row "$name" "$run" "$passed" "$failed" "$hung" "$crashed" "$seconds"
  done
  printf 'soak: %-28s %d/%d passed (%d failed, %d hung, %d crashed)\n' "$name" "$passed" "$runs" "$failed" "$hung" "$crashed" >&2
}

rm -f "$logs"/*.row
for exe in $list; do
  name=$(name_of "$exe")
  if [ -n "$only" ] && ! [[ ",$only," == *",$name,"* ]]; then
    continue
  fi
  if [[ ",$skip," == *",$name,"* ]]; then
    continue
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n
  done
  soak_one "$exe" &
done
wait
table "$logs"/*.row >"$logs/table.md"
cat "$logs/table.md"
all_passed <"$logs/table.md"
