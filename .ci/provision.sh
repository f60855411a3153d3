#!/usr/bin/env bash
# Installs what `npm test` needs beyond `npm ci` on Debian 12: the system packages listed in .ci/steps/*.packages
# (Jupyter tools, Chromium, jupyter_server, ipykernel, a compiler for the native addon) and the JupyterLab 4
# frontend of the browser test (test/e2e/app, its own npm package). Run as root: `npm run provision`.
# Quick when everything is there; .ci/run runs it too.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(g++ make python3)
for list in .ci/steps/*.packages; do
  [ -e "$list" ] || continue
  mapfile -t extra < <(grep -v '^#' "$list" | tr ' ' '\n' | grep -v '^$')
  packages+=("${extra[@]}")
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "provision: missing Debian packages: ${missing[*]}"
    echo "provision: install them as root: sudo apt-get install --no-install-recommends ${missing[*]}"
    exit 1
  fi
  echo "provision: apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The e2e JupyterLab frontend: rebuilt when its bundle is missing or older than what it is built from.
app=test/e2e/app
stale=0
[ -f "$app/build/bundle.js" ] || stale=1
for f in "$app/package.json" "$app/package-lock.json" "$app/webpack.config.js" "$app/bootstrap.js" "$app/index.js" \
  "$app/style.js"; do
  [ "$stale" = 1 ] || [ "$f" -ot "$app/build/bundle.js" ] || stale=1
done
if [ "$stale" = 1 ]; then
  started=$SECONDS
  (
    cd "$app"
    npm ci --no-audit --no-fund --loglevel=error
    npm run --silent build >/dev/null
  )
  echo "provision: e2e JupyterLab frontend built in $((SECONDS - started)) s"
fi
echo "provision: ready (${#packages[@]} Debian packages, e2e frontend)"
