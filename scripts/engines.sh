#!/usr/bin/env bash
# Starts or stops two local Docker engines side by side, one per image store, for the integration tests:
#   containerd  - containerd image store (Docker Desktop's default), OCI layout exports
#   overlay2    - classic graph driver, legacy exports with uncompressed layers
# Usage: engines.sh start|stop|env|status
# `start` prints the LENS_TEST_ENGINES value; state lives under $LENS_ENGINES_DIR (run) and
# $LENS_ENGINES_DATA (data roots, kept between runs so fixture images survive).
set -euo pipefail

RUN_DIR=${LENS_ENGINES_DIR:-/run/gocache-lens-engines}
DATA_DIR=${LENS_ENGINES_DATA:-/var/lib/gocache-lens-engines}
DOCKERD=${DOCKERD:-$(command -v dockerd || echo /usr/sbin/dockerd)}
DOCKER=${DOCKER:-/usr/bin/docker}
STORES=(containerd overlay2)

sock() { echo "$RUN_DIR/$1.sock"; }
pidfile() { echo "$RUN_DIR/$1.pid"; }
engines_env() {
  local out=()
  for s in "${STORES[@]}"; do out+=("unix://$(sock "$s")"); done
  (IFS=,; echo "${out[*]}")
}

start_one() {
  local s=$1 snap=false
  [ "$s" = containerd ] && snap=true
  mkdir -p "$RUN_DIR" "$DATA_DIR/$s"
  if [ -f "$(pidfile "$s")" ] && kill -0 "$(cat "$(pidfile "$s")")" 2>/dev/null; then
    echo "engine $s already running" >&2
    return 0
  fi
  printf '{"features":{"containerd-snapshotter":%s}}\n' "$snap" > "$RUN_DIR/$s.json"
  # Separate containerd namespaces keep the two engines apart even if they share a containerd.
  nohup "$DOCKERD" \
    -H "unix://$(sock "$s")" \
    --data-root "$DATA_DIR/$s" \
    --exec-root "$RUN_DIR/$s-exec" \
    --pidfile "$(pidfile "$s")" \
    --config-file "$RUN_DIR/$s.json" \
    --containerd-namespace "lens-$s" \
    --containerd-plugins-namespace "lens-$s-plugins" \
    --iptables=false --ip6tables=false --bridge=none \
    > "$RUN_DIR/$s.log" 2>&1 &
}

wait_one() {
  local s=$1 i
  for i in $(seq 1 120); do
    if DOCKER_HOST="unix://$(sock "$s")" "$DOCKER" info >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "engine $s did not answer within 60 s; its log:" >&2
  tail -n 30 "$RUN_DIR/$s.log" >&2 || true
  return 1
}

stop_one() {
  local s=$1 pf pid i
  pf=$(pidfile "$s")
  [ -f "$pf" ] || return 0
  pid=$(cat "$pf")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pf"
}

case ${1:-} in
  start)
    for s in "${STORES[@]}"; do start_one "$s"; done
    for s in "${STORES[@]}"; do wait_one "$s"; done
    for s in "${STORES[@]}"; do
      echo "engine $s: $(DOCKER_HOST="unix://$(sock "$s")" "$DOCKER" info --format '{{.ServerVersion}} driver={{.Driver}}')" >&2
    done
    engines_env
    ;;
  stop) for s in "${STORES[@]}"; do stop_one "$s"; done ;;
  env) engines_env ;;
  status)
    for s in "${STORES[@]}"; do
      if DOCKER_HOST="unix://$(sock "$s")" "$DOCKER" info >/dev/null 2>&1; then echo "$s: up"; else echo "$s: down"; fi
    done
    ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
