package main

// Server bootstrap: a joining server needs the secrets the first server generated — the cluster
// CA (certificate and key) and the service-account signing key — so that every server's
// certificates and tokens are trusted cluster-wide. K3s serves this at /v1-k3s/server-bootstrap
// on its supervisor port, authenticated by the cluster token; here it is on the supervisor
// port 6442 beside the agents' certificate endpoint. The answer also carries the etcd members'
// client URLs (K3s asks /db/info for them).

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const bootstrapPath = "/v1-k3s/server-bootstrap"

// bootstrapFiles are the tls/ files every server shares.
var bootstrapFiles = []string{"ca.crt", "ca.key", "service.key", "etcd/ca.crt", "etcd/ca.key"}

type serverBootstrap struct {
	Files          map[string]string `json:"files"`
	EtcdClientURLs []string          `json:"etcdClientURLs"`
}

func tokenMatches(r *http.Request, token string) bool {
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	return subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// bootstrapHandler answers joining servers from dir (the server's tls/ directory).
func bootstrapHandler(dir, token string, member etcdMember) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !tokenMatches(r, token) {
			http.Error(w, "token does not match the server's", http.StatusUnauthorized)
			return
		}
		out := serverBootstrap{Files: map[string]string{}}
		for _, name := range bootstrapFiles {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			out.Files[name] = string(raw)
		}
		urls, err := etcdClientURLs(r.Context(), member)
		if err != nil || len(urls) == 0 {
			// Without quorum the list cannot be read; this member's own URL still leads to the cluster.
			urls = []string{member.ClientURL()}
		}
		out.EtcdClientURLs = urls
		logf("Sent server bootstrap data to %s", r.RemoteAddr)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}
}

// supervisorURL is the supervisor endpoint of the server a K3S_URL names.
func supervisorURL(server, path string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("server URL %q: not a URL", server)
	}
	return fmt.Sprintf("https://%s%s", net.JoinHostPort(u.Hostname(), fmt.Sprint(supervisorPort)), path), nil
}

// fetchBootstrap asks endpoint (a server's supervisorURL(…, bootstrapPath)) for the bootstrap
// data, retrying while the server starts, and writes the shared files into dir.
func fetchBootstrap(ctx context.Context, endpoint, token, dir string) (*serverBootstrap, error) {
	// As for agents (fetchNodeCerts), the token authenticates; the CA is not yet known to verify with.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	for attempt := 0; ; attempt++ {
		var out serverBootstrap
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			switch resp.StatusCode {
			case http.StatusUnauthorized:
				resp.Body.Close()
				return nil, fmt.Errorf("the server at %s refused this server's token", endpoint)
			case http.StatusOK:
				err = json.NewDecoder(resp.Body).Decode(&out)
			default:
				err = fmt.Errorf("%s answered %s", endpoint, resp.Status)
			}
			resp.Body.Close()
		}
		if err == nil {
			for _, name := range bootstrapFiles {
				if out.Files[name] == "" {
					return nil, fmt.Errorf("bootstrap data from %s lacks %s", endpoint, name)
				}
				mode := os.FileMode(0o600)
				if strings.HasSuffix(name, ".crt") {
					mode = 0o644
				}
				if err := writeFile(filepath.Join(dir, name), out.Files[name], mode); err != nil {
					return nil, err
				}
			}
			logf("Fetched server bootstrap data from %s", endpoint)
			return &out, nil
		}
		if attempt%10 == 0 {
			logf("Waiting for the server's supervisor at %s: %v", endpoint, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// haveBootstrap tells whether dir holds the shared files already (a restart of a joined server:
// it must come up even when the server it joined through is down).
func haveBootstrap(dir string) bool {
	for _, name := range bootstrapFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}
