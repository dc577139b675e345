"""The tables of docs/PERFORMANCE.md from the files bench/compare.sh writes, and one JSON line:
train_step_ratio and edit_ratio (Likewise's seconds over PyTorch's; the worst network or edit,
each one beside it), thread_speedup (Likewise's 1-thread step over its N-thread step, the worst
network) and conv_peak_fraction (3×3 convolution forward+backward GFLOP/s over the same run's
sgemm: the median and the worst of `bench ops`' sizes). Fails if the two sides' parameter counts
differ: then they did not build the same networks."""
import json
import statistics
import sys
from pathlib import Path

folder, threads = Path(sys.argv[1]), sys.argv[2]


def lines(name, op):
    return [d for d in map(json.loads, (folder / name).read_text().splitlines()) if d["op"] == op]


def by_network(name):
    return {d["network"]: d for d in lines(name, "train_step")}


likewise = {t: by_network(f"likewise-train-{t}.jsonl") for t in ("1", threads)}
torch = {t: by_network(f"torch-train-{t}.jsonl") for t in ("1", threads)}
for name, ours in likewise[threads].items():
    theirs = torch[threads][name]
    if ours["parameters"] != theirs["parameters"]:
        sys.exit(f"{name}: Likewise has {ours['parameters']} parameters, PyTorch {theirs['parameters']}: not the same network")

print(f"| network ({threads} threads) | parameters | Likewise step | PyTorch step | ratio | Likewise forward | PyTorch forward | ratio "
      f"| Likewise GFLOP/s | peak RSS | 1→{threads} threads, Likewise | PyTorch |")
print("|---" * 12 + "|")
step_ratios, speedups = {}, {}
for name, ours in likewise[threads].items():
    theirs = torch[threads][name]
    step_ratios[name] = ours["seconds"] / theirs["seconds"]
    speedups[name] = likewise["1"][name]["seconds"] / ours["seconds"]
    print(f"| {name} | {ours['parameters']:,} | {ours['seconds']:.3f} s | {theirs['seconds']:.3f} s | {step_ratios[name]:.2f} "
          f"| {ours['forward_seconds'] * 1000:.1f} ms | {theirs['forward_seconds'] * 1000:.1f} ms | {ours['forward_seconds'] / theirs['forward_seconds']:.2f} "
          f"| {ours['gflops']:.0f} | {ours['peak_rss_mib']:.0f} MiB | {speedups[name]:.2f}× | {torch['1'][name]['seconds'] / theirs['seconds']:.2f}× |")

print()
print("| edit | Likewise edit | its networks | PyTorch networks | ratio (edit) | ratio (networks) |")
print("|---" * 6 + "|")
theirs = {(d["refs"], d["ddim_steps"]): d for d in lines("torch-edit.jsonl", "edit")}
edit_ratios = {}
for ours in lines("likewise-edit.jsonl", "edit"):
    key = (ours["refs"], ours["ddim_steps"])
    other = theirs[key]["networks_seconds"]
    edit_ratios[f"refs {key[0]}, {key[1]} DDIM steps"] = ours["seconds"] / other
    print(f"| {key[0]} refs, {key[1]} DDIM steps | {ours['seconds'] * 1000:.1f} ms | {ours['networks_seconds'] * 1000:.1f} ms "
          f"| {other * 1000:.1f} ms | {ours['seconds'] / other:.2f} | {ours['networks_seconds'] / other:.2f} |")

sgemm = lines("ops.jsonl", "sgemm")[0]["gflops"]
fractions = [d["ratio_to_sgemm"] for d in lines("ops.jsonl", "conv3x3") if d["pass"] == "forward+backward"]
print()
print(f"sgemm {sgemm:.0f} GFLOP/s; 3×3 convolution forward+backward at {len(fractions)} sizes: "
      f"{min(fractions):.2f}–{max(fractions):.2f} of it (median {statistics.median(fractions):.2f})")
print(json.dumps({
    "train_step_ratio": max(step_ratios.values()), "train_step_ratios": {k: round(v, 3) for k, v in step_ratios.items()},
    "edit_ratio": max(edit_ratios.values()), "edit_ratios": {k: round(v, 3) for k, v in edit_ratios.items()},
    "thread_speedup": min(speedups.values()), "thread_speedups": {k: round(v, 3) for k, v in speedups.items()},
    "conv_peak_fraction": statistics.median(fractions), "conv_peak_fraction_worst": min(fractions), "threads": int(threads),
}))
