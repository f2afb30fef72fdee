package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
)

// writeTLS writes the certificate and key of Go's httptest TLS servers,
// which the in-process fakes of the kubernetes and aws phases serve with:
// make bench starts idplane with it as --outbound-ca-file, and as the
// certificate of the TLS listener of the cert phase.
func writeTLS(dir string) error {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.StartTLS()
	defer srv.Close()
	c := srv.TLS.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return err
	}
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	if err := os.WriteFile(filepath.Join(dir, "tls.pem"), cert, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tls-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
}

// close runs the cleanups of what was started for tb.
func (t *processTB) close() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// platformBench is one attestation method's phase: its login and, for a
// method that calls out (a fake cluster, a fake STS), that fake's own
// cost per request measured directly, printed beside the logins.
type platformBench struct {
	name     string
	login    func() error
	fakeCost func() (time.Duration, error)
}

// newLoadIdentity creates an identity for a phase.
func newLoadIdentity(ctx context.Context, admin *api.Client, prefix string) (string, error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	id, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: prefix + hex.EncodeToString(suffix), Role: "member"})
	if err != nil {
		return "", fmt.Errorf("create identity: %w", err)
	}
	return id.ID, nil
}

// loginCall is a login posting body to path, which must answer a token.
func loginCall(path string, body []byte) call {
	return call{method: http.MethodPost, path: path, body: body, status: http.StatusOK, want: []byte(`"accessToken":"`)}
}

// fakeClient trusts a fake's certificate.
func fakeClient(caPEM string) *http.Client {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(caPEM))
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, MaxIdleConnsPerHost: 4}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// meanOf times n sequential calls of fn on a warm connection.
func meanOf(n int, fn func() error) (time.Duration, error) {
	if err := fn(); err != nil {
		return 0, err
	}
	start := time.Now()
	for range n {
		if err := fn(); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(n), nil
}

// startKubernetes starts a fake API server, attaches Kubernetes auth with
// a reviewer token to a new identity, and logs a pod in once.
func startKubernetes(ctx context.Context, tb *processTB, admin *api.Client, lc *loadClient) (platformBench, error) {
	k8s := platformtest.NewKubernetes(tb)
	id, err := newLoadIdentity(ctx, admin, "load-k8s-")
	if err != nil {
		return platformBench{}, err
	}
	_, err = admin.PutKubernetesAuth(ctx, id, 0, api.KubernetesAuthInput{TokenReviewerJWT: new(k8s.ReviewerToken()),
		KubernetesAuthConfig: api.KubernetesAuthConfig{KubernetesHost: k8s.URL, KubernetesCACertificate: k8s.CAPEM,
			AllowedNamespaces: []string{"ci"}, AllowedServiceAccountNames: []string{"runner-*"}}})
	if err != nil {
		return platformBench{}, fmt.Errorf("attach Kubernetes auth: %w", err)
	}
	pod := k8s.Token(platformtest.ServiceAccount{Namespace: "ci", Name: "runner-1"})
	body, _ := json.Marshal(api.TokenAuthLoginRequest{IdentityID: id, JWT: pod})
	b := platformBench{name: "Kubernetes login", login: lc.phaseOf(loginCall(api.RouteKubernetesAuthLogin.Path, body))}
	if err := b.login(); err != nil {
		return b, fmt.Errorf("first Kubernetes login: %w (is the server started with --allow-internal-outbound?)", err)
	}
	direct := fakeClient(k8s.CAPEM)
	review := []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"` + pod + `"}}`)
	b.fakeCost = func() (time.Duration, error) {
		return meanOf(500, func() error {
			req, _ := http.NewRequest(http.MethodPost, k8s.URL+"/apis/authentication.k8s.io/v1/tokenreviews", bytes.NewReader(review))
			req.Header.Set("Authorization", "Bearer "+k8s.ReviewerToken())
			return expect(direct, req, http.StatusCreated)
		})
	}
	return b, nil
}

// startAWS starts a fake STS, attaches AWS auth (with a server ID) to a
// new identity, and logs in once. Every login signs a new request: the
// server accepts each once.
func startAWS(ctx context.Context, tb *processTB, admin *api.Client, lc *loadClient) (platformBench, error) {
	sts := platformtest.NewSTS(tb)
	sts.AddCredentials("AKIDLOAD", platformtest.Principal{SecretAccessKey: "load-secret", Account: "123456789012",
		Arn: "arn:aws:sts::123456789012:assumed-role/load/i-0123456789abcdef0", UserID: "AROALOAD:i-0123456789abcdef0"})
	id, err := newLoadIdentity(ctx, admin, "load-aws-")
	if err != nil {
		return platformBench{}, err
	}
	_, err = admin.PutAWSAuth(ctx, id, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{
		AllowedAccountIDs: []string{"123456789012"}, AllowedPrincipalArns: []string{"arn:aws:iam::123456789012:role/load"},
		STSEndpoint: sts.URL, STSRegion: "eu-west-1", ServerID: "idplane-load"}})
	if err != nil {
		return platformBench{}, fmt.Errorf("attach AWS auth: %w", err)
	}
	signer := api.AWSLogin{IdentityID: id, STSEndpoint: sts.URL, Region: "eu-west-1", ServerID: "idplane-load",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOAD", "load-secret", "")}
	b := platformBench{name: "AWS login", login: func() error {
		in, err := signer.Request(ctx, time.Now())
		if err != nil {
			return err
		}
		body, _ := json.Marshal(in)
		return lc.send(loginCall(api.RouteAWSAuthLogin.Path, body))
	}}
	if err := b.login(); err != nil {
		return b, fmt.Errorf("first AWS login: %w (is the server started with --allow-internal-outbound and --outbound-ca-file?)", err)
	}
	direct := fakeClient(sts.CAPEM)
	b.fakeCost = func() (time.Duration, error) {
		return meanOf(500, func() error {
			in, err := signer.Request(context.Background(), time.Now())
			if err != nil {
				return err
			}
			req, err := replay(sts.URL, in)
			if err != nil {
				return err
			}
			return expect(direct, req, http.StatusOK)
		})
	}
	return b, nil
}

// replay rebuilds the HTTP request a login carries, as the server does.
func replay(url string, in api.AWSAuthLoginRequest) (*http.Request, error) {
	body, err := base64.StdEncoding.DecodeString(in.IAMRequestBody)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(in.IAMRequestHeaders)
	if err != nil {
		return nil, err
	}
	var headers map[string]string
	if err := json.Unmarshal(raw, &headers); err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		if k != "Host" && k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	return req, nil
}

func expect(hc *http.Client, req *http.Request, status int) error {
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != status {
		return fmt.Errorf("fake answered HTTP %d", res.StatusCode)
	}
	return nil
}

// startCert attaches TLS certificate auth to a new identity, with a CA of
// its own, and returns two phases over the server's TLS listener at
// tlsHost: logins on kept-alive connections, and a new TLS handshake for
// each login.
func startCert(ctx context.Context, tb *processTB, admin *api.Client, tlsHost, caFile string, concurrency int) ([]platformBench, error) {
	roots, err := api.RootsFromFile(caFile)
	if err != nil {
		return nil, err
	}
	ca := platformtest.NewCA(tb, "load CA")
	id, err := newLoadIdentity(ctx, admin, "load-cert-")
	if err != nil {
		return nil, err
	}
	_, err = admin.PutTLSCertAuth(ctx, id, 0, api.TLSCertAuthInput{TLSCertAuthConfig: api.TLSCertAuthConfig{
		CACertificate: ca.PEM(), AllowedSubjectAltNames: []string{"URI:spiffe://load.example.org/ns/load/sa/*"}}})
	if err != nil {
		return nil, fmt.Errorf("attach TLS certificate auth: %w", err)
	}
	leaf, key := ca.Issue(tb, platformtest.Leaf{URIs: []string{"spiffe://load.example.org/ns/load/sa/client"}})
	cfg := &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{platformtest.TLSCertificate(key, leaf)}}
	body, _ := json.Marshal(api.TLSCertAuthLoginRequest{IdentityID: id})
	lc, err := newLoadClient(tlsHost, concurrency, cfg)
	if err != nil {
		return nil, err
	}
	login := loginCall(api.RouteTLSCertAuthLogin.Path, body)
	fresh := login
	fresh.newConn = true
	phases := []platformBench{
		{name: "certificate login", login: lc.phaseOf(login)},
		{name: "certificate login, handshake", login: lc.phaseOf(fresh)},
	}
	if err := phases[0].login(); err != nil {
		return nil, fmt.Errorf("first certificate login: %w (is %s served with --tls-client-certs request?)", err, tlsHost)
	}
	return phases, nil
}
