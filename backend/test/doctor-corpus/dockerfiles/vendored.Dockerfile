FROM --platform=$BUILDPLATFORM golang:1.22.5 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -mod=vendor -o /out/app .

FROM scratch
COPY --from=0 /out/app /app
ENTRYPOINT ["/app"]
