#!/usr/bin/env bash
# `make test` after its installs: every runner in turn, each under a time limit, its output kept
# in out/test-logs/RUNNER.log; then a line per runner with what it ran, failed and skipped, and
# the totals (scripts/test-summary.py). A skip whose reason is not on Tests/allowed-skips.txt
# counts as a failure, so a check cannot pass by not running. Exits non-zero on any failure,
# time-out or unlisted skip.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=out/test-logs
mkdir -p "$logs"
rm -f "$logs"/*.log
failed_runners=()

# run NAME LIMIT COMMAND…: COMMAND's output shown and kept; a run past LIMIT is stopped and fails.
run() {
  local name=$1 limit=$2
  shift 2
  echo "== $name (limit $limit): $*"
  timeout --kill-after=30s "$limit" "$@" 2>&1 | tee "$logs/$name.log"
  local status=${PIPESTATUS[0]}
  if ((status == 124 || status == 137)); then echo "$name: stopped after $limit" | tee -a "$logs/$name.log"; fi
  ((status == 0)) || failed_runners+=("$name (exit $status)")
}

# PyTorch for the bridge's tests installs (3 minutes of mostly download and unpacking) while the
# build compiles; the swift runner needs it (TorchBridgeTests), so it is waited for first.
timeout 20m scripts/torch-venv.sh > "$logs/torch-venv.log" 2>&1 &
torch_venv=$!
run build 30m swift build --build-tests
if ! wait "$torch_venv"; then
  cat "$logs/torch-venv.log"
  failed_runners+=("torch-venv (scripts/torch-venv.sh could not make .venv-torch; its output is above and in $logs/torch-venv.log)")
fi
run swift 30m swift test --skip-build
run cli-build 15m swift build --product likewise
run cli 20m bash Tests/cli/run.sh .build/debug/likewise
run kernel 40m env LIKEWISE_BIN="$PWD/.build/debug/likewise" .venv/bin/python -m pytest -q -rfEs Tests/kernel
run bridge 15m env LIKEWISE_BIN="$PWD/.build/debug/likewise" .venv-torch/bin/python -m pytest -q -rfEs Tests/bridge
run sanitize 40m make --no-print-directory sanitize

# Counts from each runner's own closing lines, and the skips with their reasons.
summary=$(FAILED_RUNNERS=$(printf '%s\n' "${failed_runners[@]}") python3 scripts/test-summary.py "$logs")
echo
echo "$summary" | tee "$logs/summary.txt"
[[ $(tail -n 1 <<< "$summary") =~ ^[0-9]+\ passed,\ 0\ failed ]]
