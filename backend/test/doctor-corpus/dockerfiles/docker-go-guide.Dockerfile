# syntax=docker/dockerfile:1

# Stage 1: compile
FROM golang:1.19 AS build-stage

WORKDIR /app

COPY go.mod go.sum ./
RUN go mod download

COPY *.go ./

RUN CGO_ENABLED=0 GOOS=linux go build -o /corpus-server

# Stage 2: unit tests
FROM build-stage AS run-test-stage
RUN go test -v ./...

# Stage 3: ship only the binary
FROM gcr.io/distroless/base-debian11 AS build-release-stage

WORKDIR /

COPY --from=build-stage /corpus-server /corpus-server

EXPOSE 8080

USER nonroot:nonroot

ENTRYPOINT ["/corpus-server"]
