"""The Markdown table of docs/RESULTS.md from `likewise eval --json` files: per task, each row's
whole-image / edit-region PSNR, and how n2n@N stands against the other rows where the edit is.
With `eval --diffusion` the files hold n2n twice — its regression head and its diffusion samples —
and the table gains the samples' column and the sharpness of both (1 is the truth's detail).
With `eval --seeds N` each cell is the mean over the seeds with the edit PSNR's standard
deviation, and the last column the paired difference's 95 % interval, in bold when it leaves out 0.
Files of `eval --regret` make auto's table instead: each candidate's edit PSNR, what each plan of
auto chose on each seed and its regret (the best candidate's edit PSNR minus the chosen one's),
and over every task and seed the mean and worst regret and the choice's time against the chosen
candidate's training."""
import json
import sys

documents = [json.load(open(path)) for path in sys.argv[1:]]
CANDIDATES = ("structural", "implicit", "one2one")


def regret_table():
    plans = [m for m in ("auto", "auto-folds", "auto-single") if any(r["method"] == m for d in documents for r in d["rows"])]
    head = "| task | " + " | ".join(CANDIDATES) + " | " + " | ".join(f"{p}: chose, regret" for p in plans) + " |"
    print("edit PSNR over the seeds (mean ± sd); a plan's cell: its choice and regret on each seed\n")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    regrets = {p: [] for p in plans}
    shares = {p: [] for p in plans}
    for d in documents:
        seeds = sorted({r.get("seed") for r in d["rows"]}, key=lambda s: s or 0)
        runs = [{r["method"]: r for r in d["rows"] if r.get("size") is None and r.get("seed") == s} for s in seeds]
        cells = [f'`{d["task"]}`']
        for c in CANDIDATES:
            values = [run[c]["edit_psnr"] for run in runs]
            mean = sum(values) / len(values)
            sd = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else None
            cells.append(f"{mean:.2f}" + (f" ± {sd:.2f}" if sd is not None else ""))
        for p in plans:
            parts = []
            for run in runs:
                best = max(run[c]["edit_psnr"] for c in CANDIDATES)
                chosen = next(c for c in CANDIDATES if run[c]["edit_psnr"] == run[p]["edit_psnr"])
                regrets[p].append(best - run[p]["edit_psnr"])
                shares[p].append((run[p]["train_seconds"] - run[chosen]["train_seconds"]) / run[chosen]["train_seconds"])
                parts.append(f"{chosen} {best - run[p]['edit_psnr']:.2f}")
            cells.append(", ".join(parts))
        print("| " + " | ".join(cells) + " |")
    print()
    for p in plans:
        r, s = regrets[p], shares[p]
        print(f"{p}: regret over {len(r)} task-seeds mean {sum(r) / len(r):.2f} dB, worst {max(r):.2f} dB, the best chosen on "
              f"{sum(1 for x in r if x == 0)}; the choice took {100 * sum(s) / len(s):.0f} % of the chosen candidate's training time "
              f"(at most {100 * max(s):.0f} %)")


if any(r["method"] == "auto" for d in documents for r in d["rows"]):
    regret_table()
    sys.exit(0)
diffusion = any(row.get("diffusion") for d in documents for row in d["rows"])
seeds = max((len(d["summary"]["seeds"]) for d in documents if d.get("summary")), default=1)
head = "| task (cover) | identity | n2n@N | " + ("n2n@N diffusion | " if diffusion else "") + \
    "one2one@N | pix2pix@N | pix2pix@large | " + ("sharpness n2n / diffusion | " if diffusion else "") + \
    ("n2n diffusion − best other @N (edit) |" if diffusion else "n2n − best other @N (edit) |")
print(f"over {seeds} seeds: whole-image PSNR / edit PSNR ± its standard deviation\n" if seeds > 1 else "", end="")
print(head)
print("|---" * (head.count("|") - 1) + "|")


def key(method, diffusion, pairs, document_pairs):
    name = method if method == "identity" or pairs == document_pairs else method + "@large"
    return name + ("+diffusion" if diffusion else "")


for d in documents:
    summary = d.get("summary")
    rows = [r for r in d["rows"] if r.get("size") is None and r.get("seed", d["rows"][0].get("seed")) == d["rows"][0].get("seed")]
    by = {key(r["method"], r.get("diffusion"), r["pairs"], d["pairs"]): r for r in rows}
    spread = {}
    if summary:
        spread = {key(r["method"], r["diffusion"], r["pairs"], d["pairs"]): r for r in summary["rows"] if r.get("size") is None}

    def cell(name):
        if name in spread:
            r = spread[name]
            edit = r["edit_psnr"]
            return f'{r["psnr"]["mean"]:.2f} / ' + (f'{edit["mean"]:.2f} ± {edit["sd"]:.2f}' if edit else "—")
        r = by[name]
        return f'{r["psnr"]:.2f} / {r["edit_psnr"]:.2f}' if r["edit_psnr"] is not None else f'{r["psnr"]:.2f} / —'

    def edit(name):
        return spread[name]["edit_psnr"]["mean"] if name in spread else by[name]["edit_psnr"]

    n2n = "n2n+diffusion" if "n2n+diffusion" in by else "n2n"
    others = [k for k in ("one2one", "pix2pix") if k in by]
    best = max(others, key=edit)
    cover = by["identity"]["edit_cover"] * 100
    large = cell("pix2pix@large") + f' (@{by["pix2pix@large"]["pairs"]})' if "pix2pix@large" in by else "—"
    cells = [f'`{d["task"]}` ({cover:.1f} %)', cell("identity"), cell("n2n")]
    if diffusion:
        cells.append(cell("n2n+diffusion"))
    cells += [cell("one2one"), cell("pix2pix"), large]
    if diffusion:
        cells.append(f'{by["n2n"]["sharpness"]:.3f} / {by["n2n+diffusion"]["sharpness"]:.3f}')
    difference = f'{edit(n2n) - edit(best):+.2f} dB'
    if summary:
        label = lambda k: k.replace("+diffusion", "+diffusion@" + str(d["pairs"])) if "+diffusion" in k else f'{k}@{d["pairs"]}'
        for x in summary["differences"]:
            if {x["first"], x["second"]} == {label(n2n), label(best)}:
                sign = 1 if x["first"] == label(n2n) else -1
                low, high = sorted((sign * x["low"], sign * x["high"]))
                interval = f'[{low:+.2f}, {high:+.2f}]'
                difference += f" {'**' + interval + '**' if low > 0 or high < 0 else interval}"
    cells.append(difference + f" ({best})")
    print("| " + " | ".join(cells) + " |")
