#!/usr/bin/env bash
# The README's start command: installs the JavaScript dependencies if needed, builds what is missing and
# starts the standalone page against the local engine (DOCKER_HOST or the default socket). The first
# line printed is the page's URL, with its per-start token.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null || {
  echo "$(basename "$0"): Node.js 20.19 or later is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
}
[ -d node_modules ] || npm ci --no-audit --no-fund >&2
if [ ! -f backend/dist/cli/main.js ] || [ ! -f ui/dist/index.html ] || [ -n "${LENS_REBUILD:-}" ]; then
  npm run build >&2
fi
exec node backend/bin/gocache-lens.js serve --port "${LENS_PORT:-7412}" "$@"
