#!/usr/bin/env bash
# bench-vs-python.sh: time a full nhiscan offline scan of a generated
# account against CPython's json.load of the same files, in the same run.
#
#   scripts/bench-vs-python.sh [RUNS]        (default 3 runs, best of each)
#
# The accounts come from the Go benchmark's generator (cmd/nhiscan
# bench_test.go, writeSyntheticAccount): 5,000 roles / 1,250 users / 1,000
# policies and 20,000 roles / 5,000 users / 4,000 policies, as the AWS CLI
# exports them. For each it reports wall time and peak RSS (from
# /usr/bin/time -v) of
#   python3: json.load of every .json file (and csv.reader of the .csv)
#   nhiscan: scan --input DIR --format json --output FILE, every rule on
# then the nhiscan/python ratio and the 20k/5k time ratio (4x the input).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
command -v python3 >/dev/null || { echo "bench-vs-python: python3 not found" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-vs-python: /usr/bin/time (GNU time) not found" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/nhiscan" ./cmd/nhiscan
for scale in 1 4; do
  NHISCAN_SYNTH_DIR="$work/acct-$scale" NHISCAN_SYNTH_SCALE=$scale \
    go test ./cmd/nhiscan -run '^TestWriteSyntheticAccount$' -count=1 >/dev/null
done

cat > "$work/load.py" <<'PY'
import csv, json, os, sys
for root, _, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        path = os.path.join(root, name)
        with open(path, encoding="utf-8", newline="") as f:
            if name.endswith(".json"):
                json.load(f)
            elif name.endswith(".csv"):
                for _ in csv.reader(f):
                    pass
PY

# measure CMD...: prints "seconds cpu_seconds peak_kb": the best wall time
# and CPU time (user+sys) of $runs runs, and the largest peak RSS.
measure() {
  local best_s="" best_cpu="" best_kb=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
      echo "bench-vs-python: $* failed:" >&2; cat "$work/stderr.txt" "$work/time.txt" >&2; exit 1; }
    local wall kb
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$work/time.txt")
    if [ -z "$best_s" ] || awk -v a="$wall" -v b="$best_s" 'BEGIN{exit !(a<b)}'; then best_s=$wall; fi
    if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN{exit !(a<b)}'; then best_cpu=$cpu; fi
    if [ -z "$best_kb" ] || [ "$kb" -gt "$best_kb" ]; then best_kb=$kb; fi
  done
  echo "$best_s $best_cpu $best_kb"
}

printf '%-6s %8s | %8s %8s %7s | %8s %8s %7s | %7s %7s | %9s\n' roles input-MB python-s nhiscan-s ratio py-cpu-s nh-cpu-s ratio py-RSS nh-RSS findings
declare -A nh nhc
for scale in 1 4; do
  dir="$work/acct-$scale"
  mb=$(du -sk "$dir" | awk '{printf "%.1f", $1/1024}')
  read -r py_s py_cpu py_kb < <(measure python3 "$work/load.py" "$dir")
  read -r nh_s nh_cpu nh_kb < <(measure "$work/nhiscan" scan --input "$dir" --format json --output "$work/report-$scale.json" --as-of 2026-11-01T00:00:00Z)
  n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["total"])' "$work/report-$scale.json")
  nh[$scale]=$nh_s; nhc[$scale]=$nh_cpu
  printf '%-6s %8s | %8.2f %8.2f %6.2fx | %8.2f %8.2f %6.2fx | %4d MB %4d MB | %9s\n' $((5000*scale)) "$mb" \
    "$py_s" "$nh_s" "$(awk -v a="$nh_s" -v b="$py_s" 'BEGIN{print a/b}')" \
    "$py_cpu" "$nh_cpu" "$(awk -v a="$nh_cpu" -v b="$py_cpu" 'BEGIN{print a/b}')" \
    $((py_kb/1024)) $((nh_kb/1024)) "$n"
done
echo "4x the input (20,000 vs 5,000 roles): $(awk -v a="${nh[4]}" -v b="${nh[1]}" 'BEGIN{printf "%.2f", a/b}')x the wall time, $(awk -v a="${nhc[4]}" -v b="${nhc[1]}" 'BEGIN{printf "%.2f", a/b}')x the CPU time"
echo "(best of $runs runs each; peak RSS is the largest of the runs; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg);"
echo " wall times on a busy machine are noisy: compare the CPU columns too)"
