"""One eval run's n2n row against another run's rows, paired by seed: how an n2n pairing (say
combined) compares with the rows of a run of the same tasks and seeds (say the seeds table's
structural, one2one and pix2pix@20), where the edit is. Markdown: each task's means ± standard
deviations, then the differences with their 95 % intervals (Student's t), bold when real.
Usage: python3 bench/paired.py NEW_DIR OLD_DIR [label]   (each DIR holds TASK.json from
`likewise eval --seeds N --json`; label names NEW's n2n row, default "combined")."""
import json
import statistics
import sys
from pathlib import Path

T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}  # Student's t, two-sided 95 %


def rows(path):
    """{(method label, seed): edit PSNR} of one run, pix2pix labelled by its pairs."""
    run = json.loads(path.read_text())
    table = {}
    for row in run["rows"]:
        label = f"{row['method']}@{row['pairs']}" if row["method"] != "identity" else "identity"
        table[(label, row["seed"])] = row.get("edit_psnr") or row["psnr"]
    return table


def mean_sd(values):
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def interval(differences):
    mean, sd = mean_sd(differences)
    half = T95.get(len(differences) - 1, 1.96) * sd / len(differences) ** 0.5
    text = f"{mean:+.2f} [{mean - half:+.2f}, {mean + half:+.2f}]"
    return f"**{text}**" if mean - half > 0 or mean + half < 0 else text


new_dir, old_dir = Path(sys.argv[1]), Path(sys.argv[2])
label = sys.argv[3] if len(sys.argv) > 3 else "combined"
print(f"| task | {label}@20 | structural@20 | one2one@20 | pix2pix@20 | {label} − structural | {label} − one2one | {label} − best single |")
print("|---|---|---|---|---|---|---|---|")
for path in sorted(new_dir.glob("*.json")):
    if not (old_dir / path.name).exists():
        continue
    new, old = rows(path), rows(old_dir / path.name)
    seeds = sorted(seed for (method, seed) in new if method == "n2n@20" and ("n2n@20", seed) in old)
    ours = [new[("n2n@20", s)] for s in seeds]
    others = {name: [old[(method, s)] for s in seeds] for name, method in
              (("structural", "n2n@20"), ("one2one", "one2one@20"), ("pix2pix", "pix2pix@20"))}
    best = max(others, key=lambda name: statistics.mean(others[name]))
    cells = [f"{m:.2f} ± {sd:.2f}" for m, sd in map(mean_sd, [ours] + list(others.values()))]
    differences = [interval([a - b for a, b in zip(ours, others[name])]) for name in ("structural", "one2one", best)]
    print(f"| `{path.stem}` ({len(seeds)} seeds) | " + " | ".join(cells) + " | " + " | ".join(differences[:2])
          + f" | {differences[2]} ({best}) |")
