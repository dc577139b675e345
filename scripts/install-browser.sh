#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver for the JupyterLab browser test, when missing. A
# machine that cannot install them fails here, saying so: make test needs the browser test to run.
set -uo pipefail
command -v chromium >/dev/null && command -v chromedriver >/dev/null && exit 0
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing: chromium chromium-driver (for the JupyterLab browser test)"
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver; }; then
  echo "could not install chromium and chromium-driver, which the JupyterLab browser test needs (apt-get install chromium chromium-driver)" >&2
  exit 1
fi
command -v chromium >/dev/null && command -v chromedriver >/dev/null || {
  echo "chromium and chromedriver are still not on PATH after installing them" >&2
  exit 1
}
