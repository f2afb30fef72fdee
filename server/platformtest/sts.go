package platformtest

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// GetCallerIdentityBody is the body of every signed request.
const GetCallerIdentityBody = "Action=GetCallerIdentity&Version=2011-06-15"

// Principal is who a set of fake AWS credentials is.
type Principal struct {
	SecretAccessKey string
	Account         string
	Arn             string
	UserID          string
}

// STS is a running fake STS endpoint.
type STS struct {
	// URL is https://127.0.0.1:<port>/, or https://<name>/ for NewSTSNamed;
	// CAPEM is the certificate (or CA) to trust. Addr is the ip:port it
	// listens on, which a client dials for a named fake.
	URL, CAPEM, Addr string
	// Calls counts the requests received; Accepted those whose signature
	// verified.
	Calls, Accepted atomic.Int64
	// Refuse answers every request with STS's 403 AccessDenied.
	Refuse atomic.Bool

	mu    sync.Mutex
	creds map[string]Principal
}

// NewSTS starts a fake STS endpoint.
func NewSTS(t testing.TB) *STS {
	t.Helper()
	s := &STS{creds: map[string]Principal{}}
	srv := httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/"
	s.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	s.Addr = srv.Listener.Addr().String()
	return s
}

// NewSTSNamed starts a fake STS endpoint standing for a public name such
// as sts.us-east-1.amazonaws.com: it presents a certificate for name issued
// by a fresh test CA (CAPEM), URL is https://<name>/, and a client reaches
// it by dialling Addr for name (outbound.Policy.Resolve), so requests
// signed for the real endpoint's Host verify here unchanged.
func NewSTSNamed(t testing.TB, name string) *STS {
	t.Helper()
	ca := NewCA(t, "fake STS CA")
	cert, key := ca.Issue(t, Leaf{CommonName: name, DNS: []string{name}, Usage: x509.ExtKeyUsageServerAuth})
	s := &STS{creds: map[string]Principal{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{TLSCertificate(key, cert, ca.Cert)}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.URL, s.CAPEM, s.Addr = "https://"+name+"/", ca.PEM(), srv.Listener.Addr().String()
	return s
}

// Host is the endpoint's host:port, as clients must sign it.
func (s *STS) Host() string { return strings.TrimSuffix(strings.TrimPrefix(s.URL, "https://"), "/") }

// AddCredentials makes accessKeyID, signed with p's secret, be p.
func (s *STS) AddCredentials(accessKeyID string, p Principal) {
	s.mu.Lock()
	s.creds[accessKeyID] = p
	s.mu.Unlock()
}

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	s.Calls.Add(1)
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if s.Refuse.Load() {
		stsError(w, http.StatusForbidden, "AccessDenied", "access denied")
		return
	}
	p, err := s.verify(r, body)
	if err != nil {
		stsError(w, http.StatusForbidden, "SignatureDoesNotMatch", err.Error())
		return
	}
	if string(body) != GetCallerIdentityBody {
		stsError(w, http.StatusBadRequest, "InvalidAction", "only GetCallerIdentity is served")
		return
	}
	s.Accepted.Add(1)
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>%s</Arn>
    <UserId>%s</UserId>
    <Account>%s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`, xmlEscape(p.Arn), xmlEscape(p.UserID), xmlEscape(p.Account))
}

// verify re-signs the request received, with the signed headers only and
// the known secret, through aws-sdk-go-v2's signer, and compares.
func (s *STS) verify(r *http.Request, body []byte) (Principal, error) {
	got := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(got, "AWS4-HMAC-SHA256 ")
	if !ok {
		return Principal{}, fmt.Errorf("not a SigV4 Authorization header")
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 {
		return Principal{}, fmt.Errorf("malformed credential scope")
	}
	s.mu.Lock()
	p, known := s.creds[scope[0]]
	s.mu.Unlock()
	if !known {
		return Principal{}, fmt.Errorf("unknown access key")
	}
	date, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return Principal{}, fmt.Errorf("bad X-Amz-Date")
	}
	re, err := http.NewRequest(r.Method, "https://"+r.Host+r.URL.RequestURI(), strings.NewReader(string(body)))
	if err != nil {
		return Principal{}, err
	}
	re.Host = r.Host
	re.ContentLength = 0
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		switch h {
		case "host", "x-amz-date":
		case "content-length":
			re.ContentLength = int64(len(body))
		default:
			re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: scope[0], SecretAccessKey: p.SecretAccessKey},
		re, hex.EncodeToString(sum[:]), scope[3], scope[2], date); err != nil {
		return Principal{}, err
	}
	if re.Header.Get("Authorization") != got {
		return Principal{}, fmt.Errorf("the request signature we calculated does not match the signature you provided")
	}
	return p, nil
}

func stsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error></ErrorResponse>`,
		code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Signed is a signed GetCallerIdentity request in the shape of AWS auth's
// login (api.AWSAuthLoginRequest's iam* fields, all base64).
type Signed struct {
	Method, Body, Headers string
}

// SignOptions shape a signed request, including the faulty ones tests need.
type SignOptions struct {
	AccessKeyID, SecretAccessKey, Region string
	// Host is the host signed and sent in the Host header.
	Host string
	// Time is the signing time (X-Amz-Date); zero is now.
	Time time.Time
	// Body replaces GetCallerIdentityBody.
	Body string
	// Signed headers are added before signing; Unsigned after.
	Signed, Unsigned map[string]string
}

// Sign signs a GetCallerIdentity request with aws-sdk-go-v2's signer as
// Infisical's SDK does, and encodes it as the login sends it.
func Sign(t testing.TB, o SignOptions) Signed {
	t.Helper()
	body := o.Body
	if body == "" {
		body = GetCallerIdentityBody
	}
	when := o.Time
	if when.IsZero() {
		when = time.Now().UTC()
	}
	req, err := http.NewRequest(http.MethodPost, "https://"+o.Host+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	for k, v := range o.Signed {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: o.AccessKeyID, SecretAccessKey: o.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "sts", o.Region, when); err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{"Host": o.Host, "Content-Length": fmt.Sprint(len(body))}
	for name, vals := range req.Header {
		headers[name] = vals[0]
	}
	for k, v := range o.Unsigned {
		headers[k] = v
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		t.Fatal(err)
	}
	return Signed{Method: http.MethodPost, Body: base64.StdEncoding.EncodeToString([]byte(body)), Headers: base64.StdEncoding.EncodeToString(hj)}
}
