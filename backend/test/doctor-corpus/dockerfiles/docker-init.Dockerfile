# syntax=docker/dockerfile:1

# Generated-template style: a build stage with cache and bind mounts, then an Alpine runtime.

################################################################################
# Build stage.
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src

# Fetch modules in their own step; go.mod and go.sum are bind-mounted, not copied.
RUN --mount=type=cache,target=/go/pkg/mod/ \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download -x

# Target architecture, set by the builder for each platform.
ARG TARGETARCH

# Compile with the sources bind-mounted into the working directory.
RUN --mount=type=cache,target=/go/pkg/mod/ \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /bin/server .

################################################################################
# Runtime stage.
FROM alpine:latest AS final

# Certificates and time zones for the program.
RUN --mount=type=cache,target=/var/cache/apk \
    apk --update add \
        ca-certificates \
        tzdata \
        && \
        update-ca-certificates

# An unprivileged user to run as.
ARG UID=10001
RUN adduser \
    --disabled-password \
    --gecos "" \
    --home "/nonexistent" \
    --shell "/sbin/nologin" \
    --no-create-home \
    --uid "${UID}" \
    appuser
USER appuser

COPY --from=build /bin/server /bin/

EXPOSE 8000

ENTRYPOINT [ "/bin/server" ]
