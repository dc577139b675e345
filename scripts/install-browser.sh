#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver for the JupyterLab browser test, when missing. A
# machine that cannot install them still runs every other test: the browser test then skips,
# saying why.
set -uo pipefail
command -v chromium >/dev/null && command -v chromedriver >/dev/null && exit 0
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing: chromium chromium-driver (for the JupyterLab browser test)"
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver; }; then
  echo "warning: could not install chromium and chromium-driver; the browser test will be skipped" >&2
fi
exit 0
