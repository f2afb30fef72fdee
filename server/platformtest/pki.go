package platformtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"testing"
	"time"
)

// CA is a certificate authority of a test PKI.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA creates a self-signed root CA.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	return &CA{Cert: sign(t, tmpl, key, nil, key), Key: key}
}

// PEM is the CA's certificate.
func (ca *CA) PEM() string { return CertPEM(ca.Cert) }

// Intermediate issues an intermediate CA under ca.
func (ca *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	return &CA{Cert: sign(t, tmpl, key, ca.Cert, ca.Key), Key: key}
}

// Leaf describes a client certificate to issue.
type Leaf struct {
	CommonName string
	DNS        []string
	URIs       []string
	IPs        []string
	Emails     []string
	// Usage is the extended key usage; zero is client authentication.
	Usage x509.ExtKeyUsage
	// NotAfter is when it expires; zero is in an hour.
	NotAfter time.Time
}

// Issue issues a leaf certificate under ca.
func (ca *CA) Issue(t testing.TB, l Leaf) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t)
	usage := l.Usage
	if usage == 0 {
		usage = x509.ExtKeyUsageClientAuth
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: l.CommonName}, DNSNames: l.DNS, EmailAddresses: l.Emails,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, NotAfter: l.NotAfter}
	for _, u := range l.URIs {
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, parsed)
	}
	for _, ip := range l.IPs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	return sign(t, tmpl, key, ca.Cert, ca.Key), key
}

// TLSCertificate is a leaf and its chain (leaf first), for a TLS client.
func TLSCertificate(key crypto.Signer, chain ...*x509.Certificate) tls.Certificate {
	c := tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

// CertPEM encodes certificates as a PEM bundle.
func CertPEM(certs ...*x509.Certificate) string {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(out)
}

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sign completes tmpl (serial, validity) and signs it with parentKey;
// a nil parent self-signs.
func sign(t testing.TB, tmpl *x509.Certificate, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	now := time.Now()
	tmpl.NotBefore = now.Add(-2 * time.Hour)
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = now.Add(time.Hour)
		if tmpl.IsCA {
			tmpl.NotAfter = now.Add(24 * time.Hour)
		}
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
