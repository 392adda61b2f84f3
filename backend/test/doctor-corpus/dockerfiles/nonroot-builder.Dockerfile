FROM golang:1.22.5 AS build
RUN useradd --uid 1000 --create-home builder
USER 1000:1000
ENV HOME=/home/builder GOPATH=/home/builder/go
WORKDIR /home/builder/src
COPY --chown=1000:1000 go.mod go.sum ./
RUN go mod download
COPY --chown=1000:1000 . .
RUN CGO_ENABLED=0 go build -o /home/builder/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /home/builder/app /app
ENTRYPOINT ["/app"]
