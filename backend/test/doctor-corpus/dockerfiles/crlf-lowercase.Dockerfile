from golang:1.22.5-bookworm as build
workdir /src
copy go.mod go.sum ./
run go mod download
copy . .
run CGO_ENABLED=0 \ 
	go build -o /out/app .

from gcr.io/distroless/static-debian12:nonroot
copy --from=build /out/app /app
entrypoint ["/app"]
