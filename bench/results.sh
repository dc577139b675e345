#!/usr/bin/env bash
# Reproduces the editor table of docs/RESULTS.md: `likewise eval` on every built-in task with the
# same settings, each task's JSON and example picture in out/results/, then the table in Markdown.
# Usage: bench/results.sh [extra eval options, e.g. --steps 600 --heldout 100]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product likewise > /dev/null
mkdir -p out/results
for task in blue_eyes big_smile old sleepy day_to_night ancient_font; do
  .build/release/likewise eval --task "$task" --preset small --pairs 20 --json "out/results/$task.json" \
    --png "out/results/$task.png" "$@" > "out/results/$task.txt" 2> "out/results/$task.log"
  cat "out/results/$task.txt"
done
python3 bench/results_table.py out/results/*.json
