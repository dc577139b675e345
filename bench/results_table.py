"""The Markdown table of docs/RESULTS.md from `likewise eval --json` files: per task, each row's
whole-image / edit-region PSNR, and how n2n@N stands against the other rows where the edit is."""
import json
import sys

documents = [json.load(open(path)) for path in sys.argv[1:]]
print("| task (cover) | identity | n2n@N | one2one@N | pix2pix@N | pix2pix@large | n2n − best other @N (edit) |")
print("|---|---|---|---|---|---|---|")
for d in documents:
    rows = d["rows"]
    def cell(row):
        edit = row["edit_psnr"]
        return f'{row["psnr"]:.2f} / {edit:.2f}' if edit is not None else f'{row["psnr"]:.2f} / —'
    by = {}
    for row in rows:
        key = row["method"] if row["method"] == "identity" or row["pairs"] == d["pairs"] else row["method"] + "@large"
        by[key] = row
    n2n = by["n2n"]["edit_psnr"]
    others = [by[k]["edit_psnr"] for k in ("one2one", "pix2pix") if k in by]
    cover = by["identity"]["edit_cover"] * 100
    large = cell(by["pix2pix@large"]) + f' (@{by["pix2pix@large"]["pairs"]})' if "pix2pix@large" in by else "—"
    print(f'| `{d["task"]}` ({cover:.1f} %) | {cell(by["identity"])} | {cell(by["n2n"])} | {cell(by["one2one"])} | '
          f'{cell(by["pix2pix"])} | {large} | {n2n - max(others):+.2f} dB |')
