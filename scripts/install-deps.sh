#!/usr/bin/env bash
# Installs the machine packages the tests and the product need on Debian (bookworm or later), as root:
# Docker 26 + buildx from Debian's next release (bookworm's docker.io 20.10 cannot do BuildKit builds),
# Chromium for the browser tests, debootstrap + busybox-static + zip for the offline fixture images.
# Idempotent: does nothing that is already done.
set -euo pipefail

need=()
[ -x /usr/bin/docker ] && [ -x /usr/sbin/dockerd ] && [ -e /usr/libexec/docker/cli-plugins/docker-buildx ] || need+=(docker)
command -v chromium >/dev/null || need+=(chromium)
command -v debootstrap >/dev/null || need+=(debootstrap)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v zip >/dev/null || need+=(zip)
if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: everything present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing ${need[*]}; run as root (or install them) first" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive

src=/etc/apt/sources.list.d/debian.sources
trixie=/etc/apt/sources.list.d/lens-trixie.sources
if [[ " ${need[*]} " == *" docker "* ]] && ! grep -qs trixie /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null; then
  # Reuse the machine's own mirror: the first stanza of its sources file, with the suite changed.
  if [ -f "$src" ]; then
    awk 'BEGIN{RS="";ORS="\n\n"} NR==1{print; exit}' "$src" | sed -E 's/^Suites:.*/Suites: trixie/' > "$trixie"
  else
    mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
    echo "deb $mirror trixie main" > /etc/apt/sources.list.d/lens-trixie.list
  fi
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > /etc/apt/preferences.d/lens-trixie
fi
apt-get update -qq
pkgs=()
for n in "${need[@]}"; do
  case $n in
    docker) ;;
    *) pkgs+=("$n") ;;
  esac
done
[ ${#pkgs[@]} -gt 0 ] && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
if [[ " ${need[*]} " == *" docker "* ]]; then
  apt-get install -y -qq -t trixie docker.io docker-buildx >/dev/null
fi
echo "install-deps: installed ${need[*]}"
