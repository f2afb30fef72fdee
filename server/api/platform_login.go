package api

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
)

// DefaultKubernetesTokenPath is where a pod's service account token is
// mounted, and rotated by the kubelet.
const DefaultKubernetesTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// WithKubernetesLogin logs in as identityID through Kubernetes auth with
// the service account token in tokenPath, read at every login since the
// kubelet rotates it.
func WithKubernetesLogin(identityID, tokenPath string) Option {
	return WithSignedTokenLogin(RouteKubernetesAuthLogin, identityID, FileTokenSource(tokenPath))
}

// WithTLSCertLogin logs in as identityID through TLS certificate auth: the
// client's HTTP client (WithHTTPClient, e.g. ClientCertificateHTTPClient)
// must present the certificate the identity trusts.
func WithTLSCertLogin(identityID string) Option {
	return func(c *Client) {
		c.creds = &session{loginFunc: func(ctx context.Context, c *Client) (*LoginResponse, error) {
			return c.TLSCertAuthLogin(ctx, TLSCertAuthLoginRequest{IdentityID: identityID})
		}}
	}
}

// ClientCertificateHTTPClient is an HTTP client presenting the certificate
// and key of certFile and keyFile (PEM; the certificate file may hold the
// chain, leaf first), read again at every TLS handshake since workload
// certificates (SPIFFE SVIDs) rotate. roots, when not nil, replace the
// system's roots for the server's certificate. The files are read once now
// so that a wrong path fails early.
func ClientCertificateHTTPClient(certFile, keyFile string, roots *x509.CertPool) (*http.Client, error) {
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return nil, fmt.Errorf("load the client certificate: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				return nil, fmt.Errorf("load the client certificate: %w", err)
			}
			return &c, nil
		}}
	if roots != nil {
		cfg.RootCAs = roots
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}, nil
}

// RootsFromFile reads the PEM CA certificates of file, to trust for the
// server's certificate instead of the system's roots; an empty file name
// is nil, the system's roots.
func RootsFromFile(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}

// AWSLogin signs the sts:GetCallerIdentity requests AWS auth logins send,
// with aws-sdk-go-v2's SigV4 signer, as Infisical's SDKs do.
type AWSLogin struct {
	IdentityID string
	// STSEndpoint is the identity's sts_endpoint, the host the request is
	// signed for; empty is DefaultSTSEndpoint.
	STSEndpoint string
	// Region the request is signed for. The global endpoint is always
	// signed for us-east-1; another endpoint for Region, or us-east-1 when
	// it is empty.
	Region string
	// ServerID, when set, is sent in the signed X-Idplane-Server-Id header.
	ServerID    string
	Credentials aws.CredentialsProvider
}

// awsGetCallerIdentity is the body of every signed request.
const awsGetCallerIdentity = "Action=GetCallerIdentity&Version=2011-06-15"

// Request signs a new request at now, in the shape of AWS auth's login.
func (a AWSLogin) Request(ctx context.Context, now time.Time) (AWSAuthLoginRequest, error) {
	endpoint := a.STSEndpoint
	if endpoint == "" {
		endpoint = DefaultSTSEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return AWSAuthLoginRequest{}, fmt.Errorf("STS endpoint %q is not a URL with a host", endpoint)
	}
	region := a.Region
	if region == "" || strings.EqualFold(u.Host, "sts.amazonaws.com") {
		region = "us-east-1"
	}
	if a.Credentials == nil {
		return AWSAuthLoginRequest{}, errors.New("no AWS credentials")
	}
	creds, err := a.Credentials.Retrieve(ctx)
	if err != nil {
		return AWSAuthLoginRequest{}, fmt.Errorf("AWS credentials: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(awsGetCallerIdentity))
	if err != nil {
		return AWSAuthLoginRequest{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if a.ServerID != "" {
		req.Header.Set(AWSServerIDHeader, a.ServerID)
	}
	sum := sha256.Sum256([]byte(awsGetCallerIdentity))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sts", region, now.UTC()); err != nil {
		return AWSAuthLoginRequest{}, fmt.Errorf("sign sts:GetCallerIdentity: %w", err)
	}
	headers := map[string]string{"Host": u.Host, "Content-Length": strconv.Itoa(len(awsGetCallerIdentity))}
	for name, vals := range req.Header {
		headers[name] = vals[0]
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		return AWSAuthLoginRequest{}, err
	}
	return AWSAuthLoginRequest{IdentityID: a.IdentityID, IAMHTTPRequestMethod: http.MethodPost,
		IAMRequestBody:    base64.StdEncoding.EncodeToString([]byte(awsGetCallerIdentity)),
		IAMRequestHeaders: base64.StdEncoding.EncodeToString(hj)}, nil
}

// WithAWSLogin logs in through AWS auth, signing a new request at every
// login (the server accepts each signed request once).
func WithAWSLogin(a AWSLogin) Option {
	return func(c *Client) {
		c.creds = &session{loginFunc: func(ctx context.Context, c *Client) (*LoginResponse, error) {
			in, err := a.Request(ctx, time.Now())
			if err != nil {
				return nil, err
			}
			return c.AWSAuthLogin(ctx, in)
		}}
	}
}

// AWSLoginFromDefaultChain is an AWSLogin with the credentials and region
// of the standard AWS chain (AWS_* variables, shared files, web identity,
// ECS and EC2 instance roles), as the AWS CLI finds them.
func AWSLoginFromDefaultChain(ctx context.Context, identityID, serverID, stsEndpoint string) (AWSLogin, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return AWSLogin{}, fmt.Errorf("load the AWS configuration: %w", err)
	}
	return AWSLogin{IdentityID: identityID, ServerID: serverID, STSEndpoint: stsEndpoint, Region: cfg.Region, Credentials: cfg.Credentials}, nil
}
