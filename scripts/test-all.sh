#!/usr/bin/env bash
# The README's test command: installs what the tests need and runs every suite (unit, integration against
# real engines, browser tests in headless Chromium).
# Engines: LENS_TEST_ENGINES if set; else, as root, two fresh local engines (one per image store) started
# here and stopped at the end; else the engine at DOCKER_HOST / the default socket.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null || {
  echo "$(basename "$0"): Node.js 20.19 or later is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
}

if [ "$(id -u)" = 0 ]; then
  bash scripts/install-deps.sh
elif ! command -v chromium >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "test-all: chromium, debootstrap, busybox-static and zip are needed; run once as root: bash scripts/install-deps.sh" >&2
  exit 2
fi

npm ci --no-audit --no-fund

started_engines=
if [ -z "${LENS_TEST_ENGINES:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    LENS_TEST_ENGINES=$(bash scripts/engines.sh start)
    started_engines=1
  else
    LENS_TEST_ENGINES=${DOCKER_HOST:-unix:///var/run/docker.sock}
  fi
  export LENS_TEST_ENGINES
fi
[ -n "$started_engines" ] && trap 'bash scripts/engines.sh stop' EXIT

echo "test-all: engines $LENS_TEST_ENGINES"
npm test
