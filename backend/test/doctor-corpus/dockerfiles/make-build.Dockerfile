FROM golang:1.22.5-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends make git && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN make build

FROM debian:bookworm-slim
COPY --from=build /src/bin/server /usr/local/bin/server
ENTRYPOINT ["server"]
