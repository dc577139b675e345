#!/usr/bin/env bash
# Reproduces the editor table of docs/RESULTS.md: `likewise eval` on every built-in task with the
# same settings, each task's JSON and example picture in out/results/, then the table in Markdown.
# Usage: bench/results.sh [extra eval options, e.g. --steps 600 --heldout 100 --seeds 3 --diffusion]
# (with --regret: auto's table, each candidate and what each plan of auto chose and lost).
# OUT (default out/results) is where the files go; LIKEWISE the binary (default the release build);
# TASKS the tasks (default all six).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/results}
likewise=${LIKEWISE:-.build/release/likewise}
[ -n "${LIKEWISE:-}" ] || swift build -c release --product likewise > /dev/null
mkdir -p "$out"
for task in ${TASKS:-blue_eyes big_smile old sleepy day_to_night ancient_font}; do
  "$likewise" eval --task "$task" --preset small --pairs 20 --json "$out/$task.json" \
    --png "$out/$task.png" "$@" > "$out/$task.txt" 2> "$out/$task.log"
  cat "$out/$task.txt"
done
python3 bench/results_table.py "$out"/*.json
