FROM golang:1.22.5-bookworm AS build
WORKDIR /src
COPY . .
RUN <<EOF
set -eu
go mod download
go vet ./...
CGO_ENABLED=0 go build -trimpath -o /out/app .
EOF

FROM gcr.io/distroless/static-debian12:nonroot
ENV GREETING=howdy
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
