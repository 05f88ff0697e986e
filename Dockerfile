# syntax=docker/dockerfile:1

# Build a static binary. Generated templ code is committed, so no generate step here.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION}-bookworm AS build
# The official image pins its own toolchain; let go.mod's `go` line fetch a newer one if needed.
ENV GOTOOLCHAIN=auto
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/rapport ./cmd/rapport

# Distroless static: CA certificates (TLS to Neon) and tzdata, no shell, runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rapport /rapport
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/rapport"]
CMD ["serve"]
