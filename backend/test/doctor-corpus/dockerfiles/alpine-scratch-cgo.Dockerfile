FROM golang:1.22-alpine AS builder

WORKDIR /go/src/app
COPY . .

RUN go mod download
RUN go build -ldflags="-s -w" -o /go/bin/app .

FROM scratch
COPY --from=builder /go/bin/app /go/bin/app
ENTRYPOINT ["/go/bin/app"]
