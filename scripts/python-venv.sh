#!/usr/bin/env bash
# Creates .venv with the Python tools the kernel tests drive it with (from PyPI, at the versions
# pinned in Tests/kernel/requirements.txt), and brings it up to date when that file changes.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=Tests/kernel/requirements.txt
stamp=.venv/requirements.txt
if [[ ! -x .venv/bin/python ]] || ! cmp -s "$requirements" "$stamp"; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
