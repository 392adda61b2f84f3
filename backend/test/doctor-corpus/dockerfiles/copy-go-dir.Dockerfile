FROM golang:1.22.5 AS build
WORKDIR /go/src/app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go install -v ./...

FROM alpine:3.20
COPY --from=build /go /go
ENV GREETING=hej
ENTRYPOINT ["/go/bin/corpusapp"]
