# One cache directory for everything, as an old CI guide suggested:
# persist /cache between pipeline runs and both Go caches come along.
FROM golang:1.22.5-bookworm AS builder
ENV GOCACHE=/cache/go-build \
    GOMODCACHE=/cache/go-build/mod
WORKDIR /workspace
COPY . .
RUN --mount=type=cache,target=/cache/go-build \
    go build -trimpath -o /workspace/bin/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /workspace/bin/app /app
ENTRYPOINT ["/app"]
