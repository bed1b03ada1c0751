#!/usr/bin/env bash
# Installs the web UI's npm packages (from the lock file) and builds it into ui/dist, which the
# engine embeds. Skips `npm ci` when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ -x "$HOME/.local/lull-node/bin/node" ]; then export PATH="$HOME/.local/lull-node/bin:$PATH"; fi
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.lull-lock; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.lull-lock
fi
npm run --silent build
