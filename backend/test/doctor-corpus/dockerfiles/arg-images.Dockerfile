ARG GO_VERSION=1.22
ARG RUNTIME_IMAGE
FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /out/app .

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
