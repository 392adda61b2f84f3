FROM golang:1.22.5-bookworm
ENV GOPATH=/workspace/go \
    GOCACHE=/workspace/.gocache
WORKDIR /workspace/app
COPY . .
RUN go build -o /usr/local/bin/app . \
 && rm -rf /go/pkg/mod /root/.cache/go-build
CMD ["app"]
