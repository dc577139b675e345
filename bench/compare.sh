#!/usr/bin/env bash
# Likewise beside PyTorch on the editor's networks, in one run: training steps and forward passes
# of each network (`likewise bench train`, bench/torch_reference.py) with 1 thread and with
# THREADS, the edit (`likewise bench edit` against the forward passes an edit makes in PyTorch),
# and 3×3 convolutions against this machine's sgemm (`likewise bench ops`). Ends with the tables
# of docs/PERFORMANCE.md and one JSON line of ratios.
# PyTorch comes from .venv-torch (scripts/torch-venv.sh, pinned: the venv of the bridge's tests),
# and its networks are the bridge's (python/likewise_torch).
# Environment: THREADS (2), RUNS (20, medians), PRESET (small), SIZE (the networks' side; default
# the preset's), OUT (out/compare), LIKEWISE (the binary; default: the release build, built first).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-2} runs=${RUNS:-20} preset=${PRESET:-small} out=${OUT:-out/compare}
sized=(); [ -z "${SIZE:-}" ] || sized=(--size "$SIZE")
likewise=${LIKEWISE:-.build/release/likewise}
[ -n "${LIKEWISE:-}" ] || swift build -c release --product likewise > /dev/null
scripts/torch-venv.sh
torch=(.venv-torch/bin/python bench/torch_reference.py --preset "$preset" "${sized[@]}" --runs "$runs")
mkdir -p "$out"
# Each side's runs alternate, so that a change in the machine's load falls on both.
for t in 1 "$threads"; do
  "$likewise" bench train --preset "$preset" "${sized[@]}" --threads "$t" --runs "$runs" > "$out/likewise-train-$t.jsonl"
  "${torch[@]}" --threads "$t" > "$out/torch-train-$t.jsonl"
done
"$likewise" bench edit --preset "$preset" "${sized[@]}" --threads "$threads" --runs "$runs" > "$out/likewise-edit.jsonl"
"${torch[@]}" --threads "$threads" --networks --edit > "$out/torch-edit.jsonl"
LIKEWISE_THREADS="$threads" "$likewise" bench ops > "$out/ops.jsonl"
python3 bench/compare_table.py "$out" "$threads"
