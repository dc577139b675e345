#!/usr/bin/env bash
# Creates .venv-torch with PyPI's PyTorch and what the bridge's tests need (pinned in
# python/likewise_torch/requirements.txt), and brings it up to date when that file changes. Apart
# from .venv because PyTorch is large (about 5 GB with the CUDA libraries PyPI's wheel brings,
# 3 minutes to install here) and only the bridge, its tests and bench/compare.sh need it.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=python/likewise_torch/requirements.txt
stamp=.venv-torch/requirements.txt
if [[ ! -x .venv-torch/bin/python ]] || ! cmp -s "$requirements" "$stamp"; then
  python3 -m venv .venv-torch
  .venv-torch/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
