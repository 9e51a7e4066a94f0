package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// authority is the cluster CA (K3s keeps separate client and server CAs; one is enough here).
type authority struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

// tenYears matches the lifetime K3s gives its CA; leaf certificates get one year, as in K3s.
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	leafLifetime = 365 * 24 * time.Hour
)

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func writePEM(path, kind string, der []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), mode)
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM data", path)
	}
	return x509.ParseECPrivateKey(block.Bytes)
}

func readCert(path string) (*x509.Certificate, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, nil, fmt.Errorf("%s: no PEM data", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	return c, raw, err
}

// newKey writes a fresh P-256 key unless one exists (restarts keep their identity).
func ensureKey(path string) (*ecdsa.PrivateKey, error) {
	if k, err := readKey(path); err == nil {
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, err
	}
	return k, writePEM(path, "EC PRIVATE KEY", der, 0o600)
}

// loadOrCreateCA reads dir/ca.{crt,key}, creating them on first start.
func loadOrCreateCA(dir string) (*authority, error) {
	key, err := ensureKey(filepath.Join(dir, "ca.key"))
	if err != nil {
		return nil, err
	}
	certPath := filepath.Join(dir, "ca.crt")
	if c, raw, err := readCert(certPath); err == nil {
		return &authority{cert: c, key: key, certPEM: raw}, nil
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: fmt.Sprintf("k3s-server-ca@%d", now.Unix())},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	return loadOrCreateCA(dir)
}

type leaf struct {
	commonName string
	orgs       []string
	dnsNames   []string
	ips        []net.IP
	server     bool
	client     bool
}

// sign returns PEM certificate and key for a leaf.
func (a *authority) sign(l leaf) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: l.commonName, Organization: l.orgs},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		DNSNames:     l.dnsNames,
		IPAddresses:  l.ips,
	}
	if l.server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if l.client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// issueFile writes dir/name.{crt,key}, keeping existing files.
func (a *authority) issueFile(dir, name string, l leaf) error {
	crt, key := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if _, err := os.Stat(crt); err == nil {
		return nil
	}
	c, k, err := a.sign(l)
	if err != nil {
		return err
	}
	if err := os.WriteFile(key, k, 0o600); err != nil {
		return err
	}
	return os.WriteFile(crt, c, 0o644)
}

// writeKubeconfig writes a kubeconfig that authenticates with a client certificate.
func writeKubeconfig(path, server string, caPEM []byte, certFile, keyFile string, embed bool, mode os.FileMode) error {
	auth := &clientcmdapi.AuthInfo{ClientCertificate: certFile, ClientKey: keyFile}
	if embed {
		c, err := os.ReadFile(certFile)
		if err != nil {
			return err
		}
		k, err := os.ReadFile(keyFile)
		if err != nil {
			return err
		}
		auth = &clientcmdapi.AuthInfo{ClientCertificateData: c, ClientKeyData: k}
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["default"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["default"] = auth
	cfg.Contexts["default"] = &clientcmdapi.Context{Cluster: "default", AuthInfo: "default"}
	cfg.CurrentContext = "default"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}
