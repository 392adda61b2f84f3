FROM golang:1.13.15
ENV GO111MODULE=off \
    GOSUMDB=off \
    GOFLAGS=-insecure
RUN go get -u github.com/golang/dep/cmd/dep
RUN go install golang.org/x/lint/golint@latest
WORKDIR /go/src/github.com/acme/service
COPY . .
RUN dep ensure -vendor-only && go install ./...
CMD ["service"]
