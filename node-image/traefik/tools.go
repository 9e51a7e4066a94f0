//go:build tools

// Package traefik pins Traefik's command (github.com/traefik/traefik/v2/cmd/traefik) as a build
// dependency; scripts/build-k3s-image.sh builds it with `go build` from this module.
package traefik

import _ "github.com/traefik/traefik/v2/cmd/traefik"
