# escape=`

# Written on Windows, built on Linux: the escape character is a backtick.
FROM golang:1.22.5 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build `
      -trimpath `
      -o /out/app `
      .

FROM golang:1.22.5
COPY --from=build /out/app /usr/local/bin/app
CMD ["app"]
