#!/bin/sh
# Fuzz for SECONDS seconds in total (default 600), restarting after a crash or a hang,
# with new kinds of findings collected in fuzz/findings/ (see README.md).
set -u
cd "$(dirname "$0")/.."
TOTAL=${1:-600}
PY=${PYTHON:-.venv/bin/python}
mkdir -p fuzz/work fuzz/findings
cp -n fuzz/corpus/* fuzz/work/ 2>/dev/null
START=$(date +%s)
export ADVOCATE_FUZZ_KEEP_GOING=fuzz/findings
while :; do
    LEFT=$((TOTAL - ($(date +%s) - START)))
    [ "$LEFT" -le 5 ] && break
    "$PY" fuzz/fuzz_inputs.py -artifact_prefix=fuzz/findings/ -max_total_time="$LEFT" \
        -rss_limit_mb=6144 -timeout=30 -max_len=8192 -print_final_stats=1 fuzz/work
    echo "fuzz/run.sh: fuzzer exited with $? after $(( $(date +%s) - START )) s" >&2
done
echo "fuzz/run.sh: fuzzed for $(( $(date +%s) - START )) s; findings:" >&2
ls fuzz/findings >&2
