//go:build tools

// Package tools records the k3d module as this module's dependency.
package tools

import _ "github.com/k3d-io/k3d/v5"
