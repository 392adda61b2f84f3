#!/usr/bin/env bash
# Builds, checks and installs the GoCache Lens Docker Desktop extension (see the README, "Docker Desktop extension").
#
#   extension.sh build [--prebuilt] [--tag IMAGE] [--platform LIST] [-- DOCKER_BUILD_ARGS...]
#       Builds the extension image. Default: everything is built inside the image (npm ci + npm run build;
#       needs network access to the npm registry), for linux/amd64 and linux/arm64 when the builder can,
#       else for the local platform only (and says why). --prebuilt: takes this machine's build output
#       (npm run build, production node_modules) through the named build context `prebuilt`; local
#       platform only, since node_modules hold a native module compiled here.
#   extension.sh validate [IMAGE]   checks the labels, metadata.json and the files it names in the image
#   extension.sh install [IMAGE] [ARGS...]   docker extension install (Docker Desktop)
#   extension.sh update [IMAGE] [ARGS...]    docker extension update (Docker Desktop)
#   extension.sh stage [--backend-only] DIR   writes the prebuilt layout into DIR (used by build --prebuilt;
#                                   the Dockerfile's backend stage stages the backend part only)
#
# Environment: LENS_EXTENSION_IMAGE (image name, default gocache-lens/desktop-extension:latest), DOCKER
# (docker CLI with buildx, default `docker`), DOCKER_HOST, GITHUB_REPOSITORY (owner/name the labels point
# into), BUILD_IMAGE / RUNTIME_IMAGE (base images, passed on as build arguments when set).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKER=${DOCKER:-docker}
IMAGE=${LENS_EXTENSION_IMAGE:-gocache-lens/desktop-extension:latest}

die() {
  echo "extension.sh: $*" >&2
  exit 2
}
say() { echo "extension.sh: $*" >&2; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

# ---------------------------------------------------------------------------------------------------
# stage DIR: the application layout of the image, from a workspace whose build output exists.
stage() {
  local with_ui=1
  if [ "${1:-}" = --backend-only ]; then with_ui=''; shift; fi
  local out=${1:-}
  [ -n "$out" ] || die "stage needs a directory (usage: stage [--backend-only] DIR)"
  cd "$ROOT"
  [ -f backend/dist/cli/main.js ] || die "backend/dist is missing: run npm run build first"
  [ -z "$with_ui" ] || [ -f ui/dist/index.html ] || die "ui/dist is missing: run npm run build first"
  [ -d node_modules ] || die "node_modules is missing: run npm ci first"
  rm -rf "$out"
  mkdir -p "$out/backend" "$out/node_modules"
  cp -a backend/bin backend/dist backend/package.json "$out/backend/"
  if [ -n "$with_ui" ]; then
    mkdir -p "$out/ui"
    cp -a ui/dist/. "$out/ui/"
  fi

  # The backend's production dependencies, each package at the same place relative to the workspace root
  # as here (hoisted ones in node_modules/, the rest in backend/node_modules/), so they resolve the same.
  # (--long marks packages that no dependency edge reaches, which a workspace-filtered `npm ci` can leave
  # behind, as EXTRANEOUS; they are not copied.)
  local list line p rel
  if ! list=$(npm ls --omit=dev --parseable --long --all --workspace=backend 2>/dev/null); then
    npm ls --omit=dev --all --workspace=backend >&2 || true
    die "node_modules does not match package-lock.json: run npm ci"
  fi
  while IFS= read -r line; do
    [[ $line == *:EXTRANEOUS ]] && continue
    p=${line%%:*}
    case $p in
      "$ROOT"/node_modules/* | "$ROOT"/backend/node_modules/*) ;;
      *) continue ;;
    esac
    [ -L "$p" ] && continue # workspace links
    [ -d "$p" ] || continue # optional dependency not installed on this platform
    rel=${p#"$ROOT"/}
    mkdir -p "$out/$rel"
    tar -C "$p" --exclude=./node_modules -cf - . | tar -C "$out/$rel" -xf -
  done <<<"$list"
  [ -f "$out/node_modules/better-sqlite3/package.json" ] || [ -f "$out/backend/node_modules/better-sqlite3/package.json" ] ||
    die "better-sqlite3 is not among the backend's production dependencies"
  trim "$out"
}

# Drops what no running program reads: sources and object files of native modules, type declarations,
# source maps, docs, tests and examples.
trim() {
  local out=$1 d
  while IFS= read -r d; do
    [ -f "$d/build/Release/better_sqlite3.node" ] || die "$d has no build/Release/better_sqlite3.node: run npm ci"
    find "$d" -mindepth 1 -maxdepth 1 ! -name lib ! -name build ! -name package.json ! -name LICENSE -exec rm -rf {} +
    find "$d/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
    find "$d/build/Release" -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
  done < <(find "$out" -type d -path '*/node_modules/better-sqlite3')
  # Object files and makefiles that node-gyp leaves next to the compiled .node files.
  find "$out" -depth -path '*/node_modules/*' -type d \( -name obj.target -o -name .deps \) -exec rm -rf {} +
  find "$out" -path '*/node_modules/*' -type f \
    \( -name '*.md' -o -name '*.markdown' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' \
    -o -name '*.o' -o -name '*.a' -o -name '*.mk' -o -name Makefile -o -name config.gypi -o -name '*.ar-file-list' \) -delete
  find "$out" -depth -type d -regextype posix-extended \
    -regex '.*/node_modules/(@[^/]+/)?[^/]+/(test|tests|__tests__|example|examples|docs|benchmark|benchmarks|bench|\.github)' \
    -exec rm -rf {} +
  rm -rf "$out/node_modules/.bin" "$out/backend/node_modules/.bin"
}

# ---------------------------------------------------------------------------------------------------
need_buildx() {
  "$DOCKER" buildx version >/dev/null 2>&1 ||
    die "$DOCKER has no buildx plugin (set DOCKER to a docker CLI that has it)"
}

# The platforms to build for: both when the builder can run both and can keep a multi-platform image.
pick_platforms() {
  local platforms driver store
  platforms=$("$DOCKER" buildx inspect 2>/dev/null | sed -n 's/^Platforms:[[:space:]]*//p' | head -n 1)
  driver=$("$DOCKER" buildx inspect 2>/dev/null | sed -n 's/^Driver:[[:space:]]*//p' | head -n 1)
  store=$("$DOCKER" info --format '{{json .DriverStatus}}' 2>/dev/null || true)
  local local_platform
  local_platform=$("$DOCKER" version --format '{{.Server.Os}}/{{.Server.Arch}}' 2>/dev/null || echo "")
  if [[ ",${platforms// /}," == *",linux/amd64,"* && ",${platforms// /}," == *",linux/arm64,"* ]]; then
    if [ "$driver" != docker ] || [[ $store == *io.containerd.snapshotter* ]]; then
      echo "linux/amd64,linux/arm64"
      return
    fi
    say "the builder can run linux/amd64 and linux/arm64, but the classic image store cannot keep a multi-platform image: building $local_platform only (enable the containerd image store, or use a docker-container builder)"
  else
    say "this builder runs only ${platforms:-the local platform} (no emulation for the other architecture): building $local_platform only; with QEMU emulation (binfmt) installed, both linux/amd64 and linux/arm64 are built"
  fi
  echo "$local_platform"
}

build() {
  local prebuilt='' platform='' extra=()
  while [ $# -gt 0 ]; do
    case $1 in
      --prebuilt) prebuilt=1 ;;
      --tag) IMAGE=${2:?--tag needs an image name}; shift ;;
      --platform) platform=${2:?--platform needs a list}; shift ;;
      --) shift; extra=("$@"); break ;;
      *) die "build: unknown option $1 (usage: build [--prebuilt] [--tag IMAGE] [--platform LIST] [-- ARGS])" ;;
    esac
    shift
  done
  need_buildx
  cd "$ROOT"
  local version args=()
  version=$(node -p "require('./backend/package.json').version")
  args+=(--build-arg "VERSION=$version")
  [ -n "${GITHUB_REPOSITORY:-}" ] && args+=(--build-arg "GITHUB_REPOSITORY=$GITHUB_REPOSITORY")
  [ -n "${BUILD_IMAGE:-}" ] && args+=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE")
  [ -n "${RUNTIME_IMAGE:-}" ] && args+=(--build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE")

  STAGING=""
  if [ -n "$prebuilt" ]; then
    [ -z "$platform" ] || say "--platform ignored with --prebuilt: node_modules were compiled for this machine"
    platform=$("$DOCKER" version --format '{{.Server.Os}}/{{.Server.Arch}}')
    local host_platform
    host_platform="linux/$(node -p "({x64:'amd64',arm64:'arm64'})[process.arch] ?? process.arch")"
    [ "$platform" = "$host_platform" ] ||
      die "--prebuilt needs an engine of this machine's platform ($host_platform), not $platform"
    STAGING=$(mktemp -d "${TMPDIR:-/tmp}/gocache-lens-prebuilt.XXXXXX")
    trap 'rm -rf "$STAGING"' EXIT
    say "staging prebuilt output (Node $(node -p 'process.versions.node'), ABI $(node -p 'process.versions.modules'))"
    stage "$STAGING/app"
    say "prebuilt application: $(du -sh "$STAGING/app" | cut -f1)"
    # No step downloads anything: the build also works without a network.
    args+=(--build-context "prebuilt=$STAGING/app" --network=none)
  elif [ -z "$platform" ]; then
    platform=$(pick_platforms)
  fi

  say "building $IMAGE for $platform"
  local started=$SECONDS
  DOCKER_BUILDKIT=1 "$DOCKER" buildx build --load --platform "$platform" -t "$IMAGE" "${args[@]}" ${extra[@]+"${extra[@]}"} "$ROOT"
  say "built $IMAGE in $((SECONDS - started)) s"
  report_size
}

# Uncompressed size (the sum of the layers, as unpacked on disk) and the size the engine reports (on the
# containerd image store that is the compressed content).
report_size() {
  local unpacked reported
  unpacked=$("$DOCKER" history --human=false --format '{{.Size}}' "$IMAGE" | awk '{ s += $1 } END { print s + 0 }')
  reported=$("$DOCKER" image inspect --format '{{.Size}}' "$IMAGE")
  say "image size: $(mb "$unpacked") uncompressed; the engine reports $(mb "$reported") ($IMAGE)"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

# ---------------------------------------------------------------------------------------------------
need_extension_cli() {
  "$DOCKER" extension version >/dev/null 2>&1 ||
    die "'docker extension' is not available: installing needs Docker Desktop (the image itself runs on any engine, see the README, "Docker Desktop extension")"
}

image_exists() {
  "$DOCKER" image inspect "$1" >/dev/null 2>&1 || die "no image $1: run scripts/extension.sh build first"
}

install_or_update() {
  local verb=$1
  shift
  local image=$IMAGE
  if [ $# -gt 0 ] && [[ $1 != -* ]]; then image=$1; shift; fi
  need_extension_cli
  image_exists "$image"
  "$DOCKER" extension "$verb" "$@" "$image"
}

# ---------------------------------------------------------------------------------------------------
validate() {
  local image=${1:-$IMAGE}
  image_exists "$image"
  DOCKER="$DOCKER" node --input-type=module -e "$VALIDATE_JS" "$image"
  # Docker Desktop's own checks, where its CLI plugin is installed.
  if "$DOCKER" extension version >/dev/null 2>&1; then
    "$DOCKER" extension validate "$image"
  fi
}

# The checks run in Node: labels and metadata.json are JSON, and the files are read from a created (never
# started) container with `docker cp`.
read -r -d '' VALIDATE_JS <<'JS' || true
import { execFileSync } from 'node:child_process';
const docker = process.env.DOCKER || 'docker';
const image = process.argv[1];
const errors = [];
const warnings = [];
const dk = (args, opts = {}) => execFileSync(docker, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });

const REQUIRED = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.description',
  'org.opencontainers.image.vendor',
  'com.docker.desktop.extension.api.version',
  'com.docker.desktop.extension.icon',
  'com.docker.extension.screenshots',
  'com.docker.extension.detailed-description',
  'com.docker.extension.publisher-url',
  'com.docker.extension.changelog',
];
const CATEGORIES = ['ci-cd', 'container-orchestration', 'cloud-deployment', 'cloud-development', 'database', 'kubernetes',
  'networking', 'image-registry', 'security', 'testing-tools', 'utility-tools', 'volumes'];

const isUrl = (s) => { try { return ['https:', 'http:'].includes(new URL(s).protocol); } catch { return false; } };
const json = (name, text) => { try { return JSON.parse(text); } catch (e) { errors.push(`${name} is not JSON: ${e.message}`); return undefined; } };
const urlsIn = [];
function checkUrl(what, url, exts) {
  if (typeof url !== 'string' || !isUrl(url)) { errors.push(`${what} is not an http(s) URL: ${JSON.stringify(url)}`); return; }
  if (exts && !exts.some((e) => new URL(url).pathname.toLowerCase().endsWith(e))) errors.push(`${what} must end in ${exts.join(', ')}: ${url}`);
  urlsIn.push(url);
}

const info = JSON.parse(dk(['image', 'inspect', '--format', '{{json .}}', image]));
const labels = info.Config?.Labels ?? {};
for (const l of REQUIRED) if (!labels[l]?.trim()) errors.push(`required label ${l} is missing or empty`);

const api = labels['com.docker.desktop.extension.api.version'];
const semver = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?`;
if (api && !new RegExp(String.raw`^\s*(?:(?:>=|<=|>|<|=|~|\^)?\s*${semver})(?:\s*,\s*(?:>=|<=|>|<|=)?\s*${semver})*\s*$`).test(api)) {
  errors.push(`com.docker.desktop.extension.api.version is not a version or constraint: ${api}`);
}
if (labels['com.docker.desktop.extension.icon']) checkUrl('com.docker.desktop.extension.icon', labels['com.docker.desktop.extension.icon'], ['.svg', '.png', '.jpg', '.jpeg']);
if (labels['com.docker.extension.publisher-url']) checkUrl('com.docker.extension.publisher-url', labels['com.docker.extension.publisher-url']);
const shots = labels['com.docker.extension.screenshots'] && json('com.docker.extension.screenshots', labels['com.docker.extension.screenshots']);
if (shots !== undefined && shots !== '') {
  if (!Array.isArray(shots) || shots.length === 0) errors.push('com.docker.extension.screenshots must be a non-empty JSON array');
  else shots.forEach((s, i) => {
    if (typeof s?.alt !== 'string' || !s.alt.trim()) errors.push(`screenshot ${i + 1} has no alt text`);
    checkUrl(`screenshot ${i + 1} url`, s?.url, ['.png', '.jpg', '.jpeg', '.gif', '.webp']);
  });
}
if (labels['com.docker.extension.additional-urls']) {
  const extra = json('com.docker.extension.additional-urls', labels['com.docker.extension.additional-urls']);
  if (extra !== undefined) {
    if (!Array.isArray(extra)) errors.push('com.docker.extension.additional-urls must be a JSON array');
    else extra.forEach((u, i) => {
      if (typeof u?.title !== 'string' || !u.title.trim()) errors.push(`additional url ${i + 1} has no title`);
      checkUrl(`additional url ${i + 1}`, u?.url);
    });
  }
}
if (labels['com.docker.extension.categories'] !== undefined) {
  for (const c of labels['com.docker.extension.categories'].split(',').map((c) => c.trim())) {
    if (!CATEGORIES.includes(c)) errors.push(`unknown category "${c}" (known: ${CATEGORIES.join(', ')})`);
  }
}
if (urlsIn.some((u) => /\/OWNER\//.test(u))) {
  warnings.push('labels still point at the placeholder repository OWNER/…: build with GITHUB_REPOSITORY=owner/name before publishing');
}

// Files inside the image, read from a container that is created but never started.
const cid = dk(['create', '--entrypoint', '', image, 'none']).trim();
try {
  const tarOf = (p) => { try { return execFileSync(docker, ['cp', `${cid}:${p}`, '-'], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }); } catch { return undefined; } };
  const fileText = (p) => {
    const tar = tarOf(p);
    if (!tar) return undefined;
    return execFileSync('tar', ['-xOf', '-'], { input: tar, maxBuffer: 64 << 20 }).toString('utf8');
  };
  const exists = (p) => tarOf(p) !== undefined;
  const inImage = (p) => (p.startsWith('/') ? p : `/${p}`);

  const metaText = fileText('/metadata.json');
  if (metaText === undefined) errors.push('the image has no /metadata.json');
  const meta = metaText === undefined ? undefined : json('metadata.json', metaText);
  if (meta) {
    if (typeof meta.icon !== 'string' || !meta.icon) errors.push('metadata.json: icon is missing');
    else if (!exists(inImage(meta.icon))) errors.push(`metadata.json: icon ${meta.icon} is not in the image`);
    const tab = meta.ui?.['dashboard-tab'];
    if (!tab) errors.push('metadata.json: ui.dashboard-tab is missing');
    else {
      for (const k of ['title', 'root', 'src']) if (typeof tab[k] !== 'string' || !tab[k]) errors.push(`metadata.json: ui.dashboard-tab.${k} is missing`);
      if (tab.root && tab.src) {
        const entry = `${inImage(tab.root).replace(/\/$/, '')}/${tab.src}`;
        const html = fileText(entry);
        if (html === undefined) errors.push(`metadata.json: the UI entry ${entry} is not in the image`);
        else {
          // Every local script and stylesheet the page loads must be there too.
          for (const m of html.matchAll(/(?:src|href)="(\.?\/?[^":]+?\.(?:js|css|svg|png|ico))"/g)) {
            const asset = `${inImage(tab.root).replace(/\/$/, '')}/${m[1].replace(/^\.?\//, '')}`;
            if (!exists(asset)) errors.push(`the UI page loads ${m[1]}, but ${asset} is not in the image`);
          }
        }
      }
    }
    const vm = meta.vm;
    if (vm) {
      const socket = vm.exposes?.socket;
      if (typeof socket !== 'string' || !/^[A-Za-z0-9._-]+\.sock$/.test(socket)) errors.push(`metadata.json: vm.exposes.socket must be a file name ending in .sock, not ${JSON.stringify(socket)}`);
      if (!vm.composefile && !vm.image) errors.push('metadata.json: vm needs composefile or image');
      if (vm.composefile) {
        const compose = fileText(inImage(vm.composefile));
        if (compose === undefined) errors.push(`metadata.json: vm.composefile ${vm.composefile} is not in the image`);
        else {
          if (!compose.includes('${DESKTOP_PLUGIN_IMAGE}')) errors.push(`${vm.composefile} does not run \${DESKTOP_PLUGIN_IMAGE}`);
          if (socket && !compose.includes(`/run/guest-services/${socket}`)) errors.push(`${vm.composefile}: the backend does not listen on /run/guest-services/${socket}`);
          if (!/:\/var\/run\/docker\.sock\b/.test(compose)) errors.push(`${vm.composefile} does not mount the engine socket at /var/run/docker.sock`);
        }
      }
    }
  }
  if (!exists('/backend/bin/gocache-lens.js')) errors.push('the image has no /backend/bin/gocache-lens.js');
} finally {
  dk(['rm', cid]);
}

const platform = `${info.Os}/${info.Architecture}${info.Variant ? `/${info.Variant}` : ''}`;
for (const w of warnings) console.error(`warning: ${w}`);
if (errors.length) {
  for (const e of errors) console.error(`error: ${e}`);
  console.error(`${image}: ${errors.length} problem(s)`);
  process.exit(1);
}
console.log(`${image}: valid extension image (${platform}, ${(info.Size / 1e6).toFixed(1)} MB, ${Object.keys(labels).length} labels)`);
JS

case ${1:-} in
  build) shift; build "$@" ;;
  validate) shift; validate "$@" ;;
  install) shift; install_or_update install "$@" ;;
  update) shift; install_or_update update "$@" ;;
  stage) shift; stage "$@" ;;
  -h | --help | help) usage 0 ;;
  *) usage ;;
esac
