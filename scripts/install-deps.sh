#!/usr/bin/env bash
# Installs the system packages Likewise builds against (and python3-venv, for the kernel tests'
# virtual environment), only when something is missing.
set -euo pipefail
need=()
pkg-config --version >/dev/null 2>&1 || need+=(pkg-config)
for pair in libzmq:libzmq3-dev openblas:libopenblas-dev libpng:libpng-dev libjpeg:libjpeg62-turbo-dev; do
  module=${pair%%:*} package=${pair##*:}
  pkg-config --exists "$module" 2>/dev/null || need+=("$package")
done
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv)
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift 6 toolchain (swift.org) first" >&2; exit 1; }
