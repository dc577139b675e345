"""The Markdown table of docs/RESULTS.md from `likewise eval --json` files: per task, each row's
whole-image / edit-region PSNR, and how n2n@N stands against the other rows where the edit is.
With `eval --diffusion` the files hold n2n twice — its regression head and its diffusion samples —
and the table gains the samples' column and the sharpness of both (1 is the truth's detail)."""
import json
import sys

documents = [json.load(open(path)) for path in sys.argv[1:]]
diffusion = any(row.get("diffusion") for d in documents for row in d["rows"])
head = "| task (cover) | identity | n2n@N | " + ("n2n@N diffusion | " if diffusion else "") + \
    "one2one@N | pix2pix@N | pix2pix@large | " + ("sharpness n2n / diffusion | " if diffusion else "") + \
    ("n2n diffusion − best other @N (edit) |" if diffusion else "n2n − best other @N (edit) |")
print(head)
print("|---" * (head.count("|") - 1) + "|")
for d in documents:
    rows = d["rows"]
    def cell(row):
        edit = row["edit_psnr"]
        return f'{row["psnr"]:.2f} / {edit:.2f}' if edit is not None else f'{row["psnr"]:.2f} / —'
    by = {}
    for row in rows:
        key = row["method"] if row["method"] == "identity" or row["pairs"] == d["pairs"] else row["method"] + "@large"
        by[key + ("+diffusion" if row.get("diffusion") else "")] = row
    n2n = by.get("n2n+diffusion", by["n2n"])["edit_psnr"]
    others = [by[k]["edit_psnr"] for k in ("one2one", "pix2pix") if k in by]
    cover = by["identity"]["edit_cover"] * 100
    large = cell(by["pix2pix@large"]) + f' (@{by["pix2pix@large"]["pairs"]})' if "pix2pix@large" in by else "—"
    cells = [f'`{d["task"]}` ({cover:.1f} %)', cell(by["identity"]), cell(by["n2n"])]
    if diffusion:
        cells.append(cell(by["n2n+diffusion"]))
    cells += [cell(by["one2one"]), cell(by["pix2pix"]), large]
    if diffusion:
        cells.append(f'{by["n2n"]["sharpness"]:.3f} / {by["n2n+diffusion"]["sharpness"]:.3f}')
    cells.append(f'{n2n - max(others):+.2f} dB')
    print("| " + " | ".join(cells) + " |")
