# Modules come from the company's module proxy, mounted into the build step only.
FROM golang:1.22.5-bookworm
WORKDIR /src
COPY . .
RUN --mount=type=bind,from=goproxy,target=/goproxy \
    GOPROXY=file:///goproxy GONOSUMDB=example.com go build -o /usr/local/bin/app .
CMD ["app"]
