#!/usr/bin/env bash
# Runs every notebook of Notebooks/ top to bottom in the full profile (LIKEWISE_PROFILE unset) on
# the release kernel, and writes each with its outputs to docs/notebooks/NAME.ipynb: what a reader
# who opens the repository sees, since Notebooks/ keeps its notebooks without outputs. The
# kernelspec of .build/release/likewise is installed into a temporary Jupyter root, and every
# per-user Jupyter place is moved there (Tests/kernel/isolation.py), so the user's Jupyter is
# neither read nor changed; the notebooks run in a copy of Notebooks/, so their out/ stays out of
# the tree. Each PNG is re-encoded losslessly at Pillow's highest compression (a third smaller; the
# pixels are the kernel's). Written as Jupyter writes a notebook (nbformat, sorted keys), without
# timings. Names given as arguments (05-why-n-to-n) run only those.
#
# About 31 minutes on this machine's two cores (shared with other work), nearly all of it training:
# 01 5 min, 02 1 s, 03 11 min (two VAEs and the diffusion editor), 04 5 min, 05 9 min.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product likewise
scripts/python-venv.sh
exec .venv/bin/python - "$@" <<'EOF'
import base64
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from PIL import Image

sys.path.insert(0, os.path.join("Tests", "kernel"))
from isolation import isolated_environment  # noqa: E402


def compress(nb):
    """Each PNG output re-encoded losslessly with Pillow's optimize, where that is smaller."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                png = base64.b64decode(data["image/png"])
                smaller = io.BytesIO()
                Image.open(io.BytesIO(png)).save(smaller, "PNG", optimize=True)
                if len(smaller.getvalue()) < len(png):
                    data["image/png"] = base64.b64encode(smaller.getvalue()).decode("ascii")


names = sys.argv[1:] or sorted(n[:-6] for n in os.listdir("Notebooks") if n.endswith(".ipynb"))
root = tempfile.mkdtemp(prefix="likewise-run-notebooks-")
try:
    subprocess.run([".build/release/likewise", "install", "--prefix", os.path.join(root, "prefix")], check=True)
    environment = isolated_environment(dict(os.environ), os.path.join(root, "user"), os.path.join(root, "prefix", "share", "jupyter"))
    environment.pop("LIKEWISE_PROFILE", None)  # the full run
    os.environ.clear()
    os.environ.update(environment)
    folder = os.path.join(root, "Notebooks")
    shutil.copytree("Notebooks", folder)
    os.makedirs(os.path.join("docs", "notebooks"), exist_ok=True)
    for name in names:
        started = time.monotonic()
        nb = nbformat.read(os.path.join(folder, name + ".ipynb"), as_version=4)
        NotebookClient(nb, timeout=3600, kernel_name="likewise", record_timing=False,
                       resources={"metadata": {"path": folder}}).execute()
        compress(nb)
        with open(os.path.join("docs", "notebooks", name + ".ipynb"), "w", encoding="utf-8") as f:
            nbformat.write(nb, f, version=nbformat.NO_CONVERT)
        print(f"{name}: {time.monotonic() - started:.0f} s -> docs/notebooks/{name}.ipynb", flush=True)
finally:
    shutil.rmtree(root, ignore_errors=True)
EOF
