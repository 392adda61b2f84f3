# GoCache Lens as a Docker Desktop extension: the backend (API on a unix socket in the Desktop VM), the UI
# files in /ui, metadata.json, the icon and the compose file Docker Desktop runs. See the README, "Docker Desktop extension".
#
#   scripts/extension.sh build             builds everything inside the image (npm ci + npm run build)
#   scripts/extension.sh build --prebuilt  takes the machine's build output instead, through the named build
#                                          context `prebuilt` (for CI and offline machines)
#
# The prebuilt context has the image's application layout (made by `scripts/extension.sh stage DIR`):
#   backend/{bin,dist,package.json}  the CLI and API server
#   node_modules/                    the backend's production dependencies (hoisted, as in the workspace)
#   ui/                              the built UI (index.html + assets)
# Its node_modules hold a native module (better-sqlite3): RUNTIME_IMAGE must have the same Node major version
# and a glibc at least as new as the machine that compiled it. The last step checks that and fails otherwise.

# Build stages: a Debian-based Node image with npm.
ARG BUILD_IMAGE=node:22-bookworm-slim
# Runtime: a small glibc-based Node image; `node` is looked up on PATH (/nodejs/bin in distroless).
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12

# ---- default path: build from the sources ----
# The built UI is plain JavaScript and CSS: build it once, on the build machine's own platform.
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS ui-build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY backend/package.json backend/
COPY ui/package.json ui/
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --workspace=ui --include-workspace-root --no-audit --no-fund
COPY tsconfig.json ./
COPY ui/ ui/
# Type checking is the test suite's job; the image only needs the bundle.
RUN cd ui && npx --no vite build

# The backend holds a native module (better-sqlite3): build it for the target platform.
FROM ${BUILD_IMAGE} AS backend-build
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded for this Node and platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY backend/package.json backend/
COPY ui/package.json ui/
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --workspace=backend --include-workspace-root --no-audit --no-fund
COPY tsconfig.json ./
COPY backend/ backend/
COPY scripts/extension.sh scripts/
RUN npm run build --workspace=backend && bash scripts/extension.sh stage --backend-only /out

# Replaced as a whole by `--build-context prebuilt=DIR`; then the two build stages above never run.
FROM scratch AS prebuilt
COPY --from=backend-build /out/ /
COPY --from=ui-build /src/ui/dist/ /ui/

# ---- the extension image ----
FROM ${RUNTIME_IMAGE}
ARG VERSION=0.0.0-dev
# owner/name of the public repository: the icon, screenshot and link labels point into it.
ARG GITHUB_REPOSITORY=OWNER/gocache-lens
ARG GIT_REF=main
LABEL org.opencontainers.image.title="GoCache Lens" \
      org.opencontainers.image.description="Find the Go module and build caches that ship in your images, clear the Go caches in BuildKit's cache mounts, and get a fixed Dockerfile." \
      org.opencontainers.image.vendor="GoCache Lens contributors" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/${GITHUB_REPOSITORY}" \
      com.docker.desktop.extension.api.version=">= 0.3.4" \
      com.docker.desktop.extension.icon="https://raw.githubusercontent.com/${GITHUB_REPOSITORY}/${GIT_REF}/docker.svg" \
      com.docker.extension.screenshots="[{\"alt\":\"Overview: Go cache bytes in images and build cache mounts, the worst images\",\"url\":\"https://raw.githubusercontent.com/${GITHUB_REPOSITORY}/${GIT_REF}/docs/screenshots/overview.png\"},{\"alt\":\"One image layer by layer: which instruction wrote which Go cache\",\"url\":\"https://raw.githubusercontent.com/${GITHUB_REPOSITORY}/${GIT_REF}/docs/screenshots/image-detail.png\"},{\"alt\":\"BuildKit cache mounts that hold Go caches, with a safe prune\",\"url\":\"https://raw.githubusercontent.com/${GITHUB_REPOSITORY}/${GIT_REF}/docs/screenshots/build-cache.png\"},{\"alt\":\"Dockerfile doctor: findings and the fixed Dockerfile as a diff\",\"url\":\"https://raw.githubusercontent.com/${GITHUB_REPOSITORY}/${GIT_REF}/docs/screenshots/doctor-fix.png\"}]" \
      com.docker.extension.detailed-description="<p>GoCache Lens answers three questions for Go teams that build container images:</p><ul><li><b>Which layers of my images carry Go module or build caches, how big are they, and where did they come from?</b> Every layer is mapped to the Dockerfile instruction that wrote it, with each Go cache root, its size and its modules. Findings: caches in the image, caches deleted in a later layer that still ship, foreign modules, cached checksums that disagree with go.sum, and insecure Go settings.</li><li><b>Which BuildKit cache mounts hold Go caches, and can I clear them safely?</b> Go module and build cache mounts are told apart from other build cache records and can be pruned one by one.</li><li><b>What is wrong in my Dockerfile, and what is the fixed Dockerfile?</b> Go-specific rules (cache mounts, multi-stage, CGO on static runtimes, pinned base images, checksum database) with a fix shown as a diff before anything is written.</li></ul><p>Works with both the containerd image store and the classic overlay2 store. Everything runs locally: no account, no data leaves your machine.</p>" \
      com.docker.extension.publisher-url="https://github.com/${GITHUB_REPOSITORY}" \
      com.docker.extension.additional-urls="[{\"title\":\"Documentation\",\"url\":\"https://github.com/${GITHUB_REPOSITORY}#readme\"},{\"title\":\"Support\",\"url\":\"https://github.com/${GITHUB_REPOSITORY}/issues\"}]" \
      com.docker.extension.changelog="<p>${VERSION}</p><ul><li>Layer-by-layer Go cache analysis of local images with findings.</li><li>Go cache mounts in the BuildKit cache, with prune.</li><li>Dockerfile doctor with fixes as a diff.</li></ul>" \
      com.docker.extension.categories="utility-tools,ci-cd"

COPY --from=prebuilt /backend /backend
COPY --from=prebuilt /node_modules /node_modules
COPY --from=prebuilt /ui /ui
COPY metadata.json docker.svg docker-compose.yaml /

ENV PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    LENS_STORE=/var/lib/gocache-lens
# Fails the build when the native module does not load under this image's Node (ABI or glibc mismatch).
RUN ["node", "-e", "const v = process.versions; try { const D = require(require.resolve('better-sqlite3', { paths: ['/backend/dist'] })); new D(':memory:').close(); } catch (e) { console.error(`better-sqlite3 does not load in RUNTIME_IMAGE (Node ${v.node}, ABI ${v.modules}): ${e.message.split('\\n')[0]}. Build node_modules with the same Node major version and a glibc no newer than this image's.`); process.exit(1); }"]

# Docker Desktop runs the command of docker-compose.yaml; this default matches it.
ENTRYPOINT []
CMD ["node", "/backend/bin/gocache-lens.js", "serve", "--socket", "/run/guest-services/gocache-lens.sock"]
