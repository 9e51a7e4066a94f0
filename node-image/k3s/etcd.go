package main

// Embedded etcd for HA servers, following the flow of K3s's pkg/etcd (k3s-io/k3s): the first
// server (`--cluster-init`) starts a one-member cluster; a joining server (`--server URL`)
// asks an existing member for the member list, adds itself as a learner, starts its own member
// with initial-cluster-state=existing and is then promoted to a voter. A member whose data
// directory already holds a WAL just starts again: it is in the cluster already.

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// K3s's ports for the embedded member (client 2379, peer 2380) and its raft timing
// (pkg/etcd/etcd.go: HeartbeatInterval 500 ms, ElectionTimeout 5000 ms, 10 × etcd's defaults,
// so a slow disk on a Pi does not start elections).
const (
	etcdClientPort      = 2379
	etcdPeerPort        = 2380
	etcdHeartbeatMs     = 500
	etcdElectionMs      = 5000
	etcdDialTimeout     = 2 * time.Second // K3s's defaultDialTimeout
	etcdJoinTimeout     = 2 * time.Minute
	etcdPromoteInterval = time.Second
)

var etcdDir = filepath.Join(serverDir, "db", "etcd")

// etcdTLS names the files a member serves and dials with. One certificate from the cluster CA
// (server and client usage, the node's addresses as SANs) serves clients, serves and dials
// peers, and authenticates kube-apiserver; K3s issues these from separate etcd server and peer
// CAs, which one CA replaces here (the cluster has a single CA, see certs.go).
type etcdTLS struct {
	CAFile, CertFile, KeyFile string
}

// etcdMember is one embedded member's configuration.
type etcdMember struct {
	NodeName   string
	DataDir    string
	IP         net.IP
	ClientPort int
	PeerPort   int
	TLS        etcdTLS
	// HeartbeatMs and ElectionMs default to K3s's values; tests shorten them.
	HeartbeatMs, ElectionMs uint
	LogLevel                string
}

func (m etcdMember) scheme() string {
	if m.TLS.CertFile == "" {
		return "http"
	}
	return "https"
}

func (m etcdMember) hostPort(port int) string {
	return net.JoinHostPort(m.IP.String(), strconv.Itoa(port))
}

// PeerURL and ClientURL are what the member advertises (the node IP, as K3s).
func (m etcdMember) PeerURL() string   { return m.scheme() + "://" + m.hostPort(m.PeerPort) }
func (m etcdMember) ClientURL() string { return m.scheme() + "://" + m.hostPort(m.ClientPort) }

// LocalClientURL is where this node's kube-apiserver reaches its own member.
func (m etcdMember) LocalClientURL() string {
	return m.scheme() + "://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(m.ClientPort))
}

// initialized is K3s's IsInitialized: a WAL directory means the member has run before.
func (m etcdMember) initialized() bool {
	s, err := os.Stat(filepath.Join(m.DataDir, "member", "wal"))
	return err == nil && s.IsDir()
}

// memberName is K3s's setName: the node name and 8 random hex digits, kept in DataDir/name so
// that a restart keeps the name the cluster knows.
func (m etcdMember) memberName() (string, error) {
	file := filepath.Join(m.DataDir, "name")
	if raw, err := os.ReadFile(file); err == nil && len(strings.TrimSpace(string(raw))) > 0 {
		return strings.TrimSpace(string(raw)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return "", err
	}
	name := strings.SplitN(m.NodeName, ".", 2)[0] + "-" + hex.EncodeToString(suffix)
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return "", err
	}
	return name, os.WriteFile(file, []byte(name), 0o600)
}

func (m etcdMember) clientTLS() (*tls.Config, error) {
	if m.TLS.CertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(m.TLS.CertFile, m.TLS.KeyFile)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(m.TLS.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(raw)
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// client is an etcd client for endpoints, authenticated as this member.
func (m etcdMember) client(endpoints []string) (*clientv3.Client, error) {
	tlsCfg, err := m.clientTLS()
	if err != nil {
		return nil, err
	}
	return clientv3.New(clientv3.Config{Endpoints: endpoints, TLS: tlsCfg, DialTimeout: etcdDialTimeout})
}

// startEtcd starts (or restarts) the member. With no join endpoints and no data it founds a
// new cluster (--cluster-init); with join endpoints (client URLs of existing members) it joins.
// A new or joining member is returned once it serves clients as a voter; a restarted one at
// once (see below).
func startEtcd(ctx context.Context, m etcdMember, join []string) (*embed.Etcd, error) {
	name, err := m.memberName()
	if err != nil {
		return nil, fmt.Errorf("etcd member name: %w", err)
	}
	self := name + "=" + m.PeerURL()
	var (
		cluster = self
		state   = embed.ClusterStateFlagNew
		learner uint64
		restart = m.initialized()
	)
	switch {
	case restart:
		// Raft's own state names the peers; initial-cluster is ignored (etcd's isMemberInitialized).
		state = embed.ClusterStateFlagExisting
		logf("Starting etcd member %s from %s", name, m.DataDir)
	case len(join) > 0:
		cluster, learner, err = addToCluster(ctx, m, name, join)
		if err != nil {
			return nil, fmt.Errorf("joining etcd cluster: %w", err)
		}
		state = embed.ClusterStateFlagExisting
		logf("Starting etcd member %s for cluster %s", name, cluster)
	default:
		logf("Starting etcd member %s as a new cluster", name)
	}
	e, err := embed.StartEtcd(m.embedConfig(name, cluster, state))
	if err != nil {
		return nil, err
	}
	// A member is ready once the cluster has a quorum. A restarted member whose peers are down
	// waits for them; meanwhile the server goes on to start kube-apiserver, as K3s does (k3d,
	// starting a stopped HA cluster, waits for "Running kube-apiserver" from the first server
	// before it starts the others), and the API answers once a quorum is back.
	if restart {
		go func() {
			if err := awaitEtcd(ctx, e, name); err == nil {
				logf("etcd member %s is ready (client %s)", name, m.ClientURL())
			}
		}()
		return e, nil
	}
	if err := awaitEtcd(ctx, e, name); err != nil {
		e.Close()
		return nil, err
	}
	if learner != 0 {
		// Bounded: a learner that never catches up (quorum lost mid-join) ends the start with an
		// error, and the service manager starts K3s again, instead of hanging before the API server.
		pctx, cancel := context.WithTimeout(ctx, etcdJoinTimeout)
		err := promote(pctx, m, learner, join)
		cancel()
		if err != nil {
			e.Close()
			return nil, err
		}
	}
	logf("etcd member %s is ready (client %s)", name, m.ClientURL())
	return e, nil
}

// awaitEtcd waits until the member serves, saying so now and then.
func awaitEtcd(ctx context.Context, e *embed.Etcd, name string) error {
	waiting := time.NewTicker(30 * time.Second)
	defer waiting.Stop()
	for {
		select {
		case <-e.Server.ReadyNotify():
			return nil
		case err := <-e.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-waiting.C:
			logf("Waiting for etcd member %s to reach a quorum with its peers", name)
		}
	}
}

func (m etcdMember) embedConfig(name, cluster, state string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = name
	cfg.Dir = m.DataDir
	cfg.InitialCluster = cluster
	cfg.ClusterState = state
	cfg.TickMs, cfg.ElectionMs = etcdHeartbeatMs, etcdElectionMs
	if m.HeartbeatMs != 0 {
		cfg.TickMs, cfg.ElectionMs = m.HeartbeatMs, m.ElectionMs
	}
	peer, _ := url.Parse(m.PeerURL())
	client, _ := url.Parse(m.ClientURL())
	local, _ := url.Parse(m.LocalClientURL())
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.ListenClientUrls = []url.URL{*client}
	if local.Host != client.Host {
		cfg.ListenClientUrls = append(cfg.ListenClientUrls, *local)
	}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	cfg.ListenMetricsUrls = nil
	if m.TLS.CertFile != "" {
		info := transport.TLSInfo{CertFile: m.TLS.CertFile, KeyFile: m.TLS.KeyFile, TrustedCAFile: m.TLS.CAFile, ClientCertAuth: true}
		cfg.ClientTLSInfo, cfg.PeerTLSInfo = info, info
	}
	cfg.Logger = "zap"
	cfg.LogOutputs = []string{"stderr"}
	cfg.LogLevel = "info"
	if m.LogLevel != "" {
		cfg.LogLevel = m.LogLevel
	}
	return cfg
}

// addToCluster adds this member as a learner through an existing member (K3s's join) and
// returns the initial-cluster string to start with and the learner's ID (0 when the member
// was in the list already, e.g. added by an earlier attempt that died before starting).
// etcd refuses a membership change until every voter has been connected for its health
// interval (5 s, "unhealthy cluster"), and takes one learner at a time ("too many learner
// members"), so a server joining right after or beside another one retries; K3s gets the same
// effect by restarting.
func addToCluster(ctx context.Context, m etcdMember, name string, join []string) (string, uint64, error) {
	deadline := time.Now().Add(etcdJoinTimeout)
	for {
		cluster, id, err := tryAddToCluster(ctx, m, name, join)
		if err == nil || time.Now().After(deadline) {
			return cluster, id, err
		}
		logf("Waiting to join the etcd cluster: %v", err)
		select {
		case <-ctx.Done():
			return "", 0, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func tryAddToCluster(ctx context.Context, m etcdMember, name string, join []string) (string, uint64, error) {
	c, err := m.client(join)
	if err != nil {
		return "", 0, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	list, err := c.MemberList(ctx)
	if err != nil {
		return "", 0, err
	}
	var (
		cluster []string
		add     = true
		id      uint64
	)
	for _, member := range list.Members {
		ours := len(member.PeerURLs) > 0 && member.PeerURLs[0] == m.PeerURL()
		switch {
		case ours && (member.Name == "" || member.Name == name):
			// Added before but never started (an unstarted member has no name yet).
			add = false
			if member.IsLearner {
				id = member.ID
			}
			continue
		case ours:
			// This address's earlier incarnation (its data is gone): take its place.
			logf("Removing stale etcd member %s (%x) at %s", member.Name, member.ID, m.PeerURL())
			if _, err := c.MemberRemove(ctx, member.ID); err != nil && !errors.Is(err, rpctypes.ErrMemberNotFound) {
				return "", 0, err
			}
			continue
		}
		if member.Name != "" && len(member.PeerURLs) > 0 {
			cluster = append(cluster, member.Name+"="+member.PeerURLs[0])
		}
	}
	if add {
		logf("Adding %s to etcd cluster %v", m.PeerURL(), cluster)
		resp, err := c.MemberAddAsLearner(ctx, []string{m.PeerURL()})
		if err != nil {
			return "", 0, err
		}
		id = resp.Member.ID
	}
	cluster = append(cluster, name+"="+m.PeerURL())
	return strings.Join(cluster, ","), id, nil
}

// promote turns this member from learner into a voter once it has caught up. K3s's leader
// does this in its manageLearners loop; here the joining server asks, which ends the same way.
func promote(ctx context.Context, m etcdMember, id uint64, join []string) error {
	c, err := m.client(join) // a learner answers few RPCs: ask the voters
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := c.MemberPromote(pctx, id)
		cancel()
		if err == nil {
			logf("etcd member %x promoted to voter", id)
			return nil
		}
		if strings.Contains(err.Error(), rpctypes.ErrMemberNotLearner.Error()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("promoting etcd learner: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(etcdPromoteInterval):
		}
	}
}

// etcdClientURLs lists the client URLs of the cluster's voting members (K3s's /db/info).
func etcdClientURLs(ctx context.Context, m etcdMember) ([]string, error) {
	c, err := m.client([]string{m.LocalClientURL()})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, err := c.MemberList(ctx)
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, member := range list.Members {
		if !member.IsLearner {
			urls = append(urls, member.ClientURLs...)
		}
	}
	return urls, nil
}

// etcdCerts issues this node's etcd certificate from the etcd CA (tls/etcd/, created by the
// first server and shared with joining servers through the bootstrap data); reissued at every
// start, so a changed node IP takes effect. A CA of etcd's own, as K3s keeps one: the cluster CA
// also signs every kubelet's and kube-proxy's client certificate, which must not open etcd.
func etcdCerts(dir, name string, ip net.IP) (etcdTLS, error) {
	etcdDir := filepath.Join(dir, "etcd")
	t := etcdTLS{CAFile: filepath.Join(etcdDir, "ca.crt"), CertFile: filepath.Join(etcdDir, "member.crt"), KeyFile: filepath.Join(etcdDir, "member.key")}
	if err := os.MkdirAll(etcdDir, 0o700); err != nil {
		return t, err
	}
	ca, err := loadOrCreateCA(etcdDir)
	if err != nil {
		return t, err
	}
	_ = os.Remove(t.CertFile)
	ips := []net.IP{net.ParseIP("127.0.0.1")}
	if !ip.Equal(ips[0]) {
		ips = append(ips, ip)
	}
	err = ca.issueFile(etcdDir, "member", leaf{commonName: "etcd-" + name, dnsNames: []string{"localhost", name}, ips: ips, server: true, client: true})
	return t, err
}
