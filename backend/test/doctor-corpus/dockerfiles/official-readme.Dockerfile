FROM golang:1.22

WORKDIR /usr/src/app

# go.mod and go.sum first, so the module download below is cached until they change
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
RUN go build -v -o /usr/local/bin/app ./...

CMD ["app"]
