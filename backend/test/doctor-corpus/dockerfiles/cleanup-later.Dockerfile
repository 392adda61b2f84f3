FROM golang:1.22.5-bookworm

WORKDIR /src
COPY . .
RUN go mod download
RUN go build -o /usr/local/bin/app .

# keep the image small
RUN go clean -modcache && rm -rf /root/.cache/go-build

ENV GREETING=bonjour
CMD ["app"]
