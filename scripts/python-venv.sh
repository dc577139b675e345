#!/usr/bin/env bash
# Creates .venv with the Python tools the kernel tests drive it with (from PyPI), once.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c "import jupyter_client, jupyter_kernel_test, pytest, nbclient, nbformat" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check jupyter_client jupyter_kernel_test pytest nbclient nbformat
fi
