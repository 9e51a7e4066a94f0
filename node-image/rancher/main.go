// Command rancher-standin stands in for the Rancher server (rancher/rancher) where no Rancher
// image can be had: it answers the part of Rancher's API that importing an existing cluster
// uses, in the shapes Rancher documents and its own scripts rely on, so twin drives the same
// registration against it as against a real Rancher:
//
//	GET  /ping                                         "pong" (HTTP and HTTPS)
//	POST /v3-public/localProviders/local?action=login  admin + CATTLE_BOOTSTRAP_PASSWORD → token
//	PUT  /v3/settings/server-url                       the URL agents connect to
//	POST /v3/cluster[s]                                {"type":"cluster","name":…,"import":true}
//	POST /v3/clusters/ID/clusterregistrationtoken      the registration token
//	GET  /v3/clusterregistrationtoken[s]/ID            its manifestUrl and (insecure) commands
//	GET  /v3/import/TOKEN_ID.yaml                      the import manifest (cattle-cluster-agent)
//	GET  /v3/clusters/ID                               state: pending, active, unavailable
//	GET  /v3/connect                                   the agent's tunnel (one request per beat)
//
// The agent image comes from CATTLE_AGENT_IMAGE, as in Rancher. What Rancher keeps in its
// datastore (tokens, server-url, clusters) survives a stop and start of the container. Each
// request is logged as "[ADDR]:PORT: url:PATH", which twin reads to time the agent's tunnel.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

type cluster struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Token       string    `json:"token"`
	LastConnect time.Time `json:"-"`
}

type server struct {
	mu        sync.Mutex
	password  string
	tokens    map[string]bool
	serverURL string
	clusters  map[string]*cluster
	agent     string
}

// Where the stand-in keeps what Rancher keeps in its datastore, so that a stop and start of the
// container (the rancher-down fault) finds the imported cluster and the API token again.
const stateFile = "/var/lib/rancher/standin.json"

type savedState struct {
	Tokens    []string   `json:"tokens"`
	ServerURL string     `json:"serverUrl"`
	Clusters  []*cluster `json:"clusters"`
}

// save writes the state; the caller holds s.mu.
func (s *server) save() {
	state := savedState{ServerURL: s.serverURL}
	for t := range s.tokens {
		state.Tokens = append(state.Tokens, t)
	}
	for _, c := range s.clusters {
		state.Clusters = append(state.Clusters, c)
	}
	data, err := json.Marshal(state)
	if err == nil {
		err = os.WriteFile(stateFile+".new", data, 0o600)
	}
	if err == nil {
		err = os.Rename(stateFile+".new", stateFile)
	}
	if err != nil {
		log.Printf("saving %s: %v", stateFile, err)
	}
}

func (s *server) load() {
	data, err := os.ReadFile(stateFile)
	if err != nil {
		return
	}
	var state savedState
	if err := json.Unmarshal(data, &state); err != nil {
		log.Printf("reading %s: %v", stateFile, err)
		return
	}
	s.serverURL = state.ServerURL
	for _, t := range state.Tokens {
		s.tokens[t] = true
	}
	for _, c := range state.Clusters {
		s.clusters[c.ID] = c
		s.save()
	}
}

// How long after the agent's last tunnel request the stand-in still counts the cluster as
// connected: three of the stand-in agent's 5 s beats, the same rule twin applies to the request
// log (rancherAgentEvents in src/engines/k3d/observe.ts). Not a Rancher figure: a real Rancher
// sees its agent's websocket close.
const connectedFor = 15 * time.Second

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"type": "error", "status": status, "code": code, "message": message})
}

func (s *server) authorized(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
}

func (s *server) state(c *cluster) string {
	switch {
	case c.LastConnect.IsZero():
		return "pending"
	case time.Since(c.LastConnect) <= connectedFor:
		return "active"
	default:
		return "unavailable"
	}
}

func (s *server) registration(c *cluster) map[string]any {
	url := fmt.Sprintf("%s/v3/import/%s_%s.yaml", s.serverURL, c.Token, c.ID)
	return map[string]any{
		"type":            "clusterRegistrationToken",
		"id":              c.ID + ":default-token",
		"clusterId":       c.ID,
		"token":           c.Token,
		"manifestUrl":     url,
		"command":         "kubectl apply -f " + url,
		"insecureCommand": "curl --insecure -sfL " + url + " | kubectl apply -f -",
	}
}

func (s *server) manifest(c *cluster) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: cattle-system
---
apiVersion: v1
kind: Secret
metadata:
  name: cattle-credentials-%[1]s
  namespace: cattle-system
stringData:
  url: %[2]q
  token: %[3]q
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cattle-cluster-agent
  namespace: cattle-system
  labels:
    app: cattle-cluster-agent
spec:
  replicas: 1
  selector:
    matchLabels:
      app: cattle-cluster-agent
  template:
    metadata:
      labels:
        app: cattle-cluster-agent
    spec:
      tolerations:
        - key: CriticalAddonsOnly
          operator: Exists
        - key: node-role.kubernetes.io/control-plane
          operator: Exists
          effect: NoSchedule
        - key: node-role.kubernetes.io/master
          operator: Exists
          effect: NoSchedule
      containers:
        - name: cluster-register
          image: %[4]s
          imagePullPolicy: IfNotPresent
          env:
            - name: CATTLE_SERVER
              value: %[2]q
            - name: CATTLE_CLUSTER
              value: "true"
            - name: CATTLE_K8S_MANAGED
              value: "true"
            - name: CATTLE_CLUSTER_ID
              value: %[1]q
            - name: CATTLE_TOKEN
              value: %[3]q
`, c.ID, s.serverURL, c.Token, s.agent)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		fmt.Printf("[%s]:%s: url:%s\n", host, port, r.URL.Path)
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case path == "/ping":
		_, _ = w.Write([]byte("pong"))
	case path == "/v3-public/localProviders/local" && r.Method == http.MethodPost && r.URL.Query().Get("action") == "login":
		var body struct{ Username, Password string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Username != "admin" || body.Password != s.password {
			apiError(w, http.StatusUnauthorized, "Unauthorized", "authentication failed")
			return
		}
		token := "token-" + randomHex(3)[:5] + ":" + randomHex(24)
		s.mu.Lock()
		s.tokens[token] = true
		s.save()
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"type": "token", "token": token, "userId": "user-standin"})
	case path == "/v3/connect":
		s.mu.Lock()
		for _, c := range s.clusters {
			c.LastConnect = time.Now()
		}
		s.mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	case len(parts) == 3 && parts[0] == "v3" && parts[1] == "import" && strings.HasSuffix(parts[2], ".yaml"):
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.clusters {
			if parts[2] == c.Token+"_"+c.ID+".yaml" {
				w.Header().Set("Content-Type", "application/yaml")
				_, _ = w.Write([]byte(s.manifest(c)))
				return
			}
		}
		apiError(w, http.StatusNotFound, "NotFound", "no such registration token")
	case strings.HasPrefix(path, "/v3/"):
		if !s.authorized(r) {
			apiError(w, http.StatusUnauthorized, "Unauthorized", "must authenticate")
			return
		}
		s.v3(w, r, parts[1:])
	default:
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("Rancher stand-in (twin)\n"))
	}
}

func (s *server) v3(w http.ResponseWriter, r *http.Request, parts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	resource := parts[0]
	switch {
	case resource == "settings" && len(parts) == 2 && parts[1] == "server-url" && r.Method == http.MethodPut:
		var body struct{ Value string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !strings.HasPrefix(body.Value, "https://") {
			apiError(w, http.StatusUnprocessableEntity, "InvalidFormat", "server-url must be an https URL")
			return
		}
		s.serverURL = strings.TrimSuffix(body.Value, "/")
		s.save()
		writeJSON(w, http.StatusOK, map[string]any{"type": "setting", "id": "server-url", "name": "server-url", "value": s.serverURL})
	case (resource == "cluster" || resource == "clusters") && len(parts) == 1 && r.Method == http.MethodPost:
		var body struct{ Name string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
			apiError(w, http.StatusUnprocessableEntity, "MissingRequired", "name is required")
			return
		}
		c := &cluster{ID: "c-" + randomHex(3)[:5], Name: body.Name, Token: randomHex(27)}
		s.clusters[c.ID] = c
		s.save()
		writeJSON(w, http.StatusCreated, map[string]any{"type": "cluster", "id": c.ID, "name": c.Name, "state": s.state(c)})
	case resource == "clusters" && len(parts) == 2 && r.Method == http.MethodGet:
		c, ok := s.clusters[parts[1]]
		if !ok {
			apiError(w, http.StatusNotFound, "NotFound", "no such cluster")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"type": "cluster", "id": c.ID, "name": c.Name, "state": s.state(c)})
	case resource == "clusters" && len(parts) == 3 && parts[2] == "clusterregistrationtoken" && r.Method == http.MethodPost:
		c, ok := s.clusters[parts[1]]
		if !ok || s.serverURL == "" {
			apiError(w, http.StatusUnprocessableEntity, "InvalidState", "unknown cluster or server-url not set")
			return
		}
		writeJSON(w, http.StatusCreated, s.registration(c))
	case (resource == "clusterregistrationtoken" || resource == "clusterregistrationtokens") && len(parts) == 2 && r.Method == http.MethodGet:
		c, ok := s.clusters[strings.TrimSuffix(parts[1], ":default-token")]
		if !ok {
			apiError(w, http.StatusNotFound, "NotFound", "no such registration token")
			return
		}
		writeJSON(w, http.StatusOK, s.registration(c))
	default:
		apiError(w, http.StatusNotFound, "NotFound", "not served by the Rancher stand-in")
	}
}

// selfSigned makes the serving certificate Rancher makes for itself on first start.
func selfSigned() tls.Certificate {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "dynamic", Organization: []string{"dynamic"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipnet, ok := a.(*net.IPNet); ok {
				template.IPAddresses = append(template.IPAddresses, ipnet.IP)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func main() {
	s := &server{
		password: os.Getenv("CATTLE_BOOTSTRAP_PASSWORD"),
		tokens:   map[string]bool{},
		clusters: map[string]*cluster{},
		agent:    os.Getenv("CATTLE_AGENT_IMAGE"),
	}
	if s.password == "" {
		s.password = "admin"
	}
	if s.agent == "" {
		s.agent = "rancher/rancher-agent"
	}
	if err := os.MkdirAll("/var/lib/rancher", 0o700); err != nil {
		log.Fatal(err)
	}
	s.load()
	// Every suite Go has: the stand-in agent's busybox wget speaks only a few TLS 1.2 ones.
	var suites []uint16
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, suite := range list {
			suites = append(suites, suite.ID)
		}
	}
	httpsServer := &http.Server{Addr: ":443", Handler: s, TLSConfig: &tls.Config{Certificates: []tls.Certificate{selfSigned()}, CipherSuites: suites}}
	go func() { log.Fatal(httpsServer.ListenAndServeTLS("", "")) }()
	log.Fatal(http.ListenAndServe(":80", s))
}
