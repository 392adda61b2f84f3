#!/usr/bin/env bash
# The README's start command: installs the JavaScript dependencies if needed, builds what is missing and
# starts the standalone page against the local engine (DOCKER_HOST or the default socket). The first
# line printed is the page's URL, with its per-start token.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund >&2
if [ ! -f backend/dist/cli/main.js ] || [ ! -f ui/dist/index.html ] || [ -n "${LENS_REBUILD:-}" ]; then
  npm run build >&2
fi
exec node backend/bin/gocache-lens.js serve --port "${LENS_PORT:-7412}" "$@"
