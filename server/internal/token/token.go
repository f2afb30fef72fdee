// Package token issues and verifies access tokens: JWTs signed with Ed25519 (alg EdDSA).
package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// Claims are the contents of an access token. Times have second precision on the wire.
type Claims struct {
	TokenID        string    // "jti"
	IdentityID     string    // "sub"
	OrganizationID string    // "org"
	AuthMethod     string    // "auth_method", for example "universal-auth"
	AuthMethodID   string    // "auth_method_id": the attached method that issued it, revoked with it
	CredentialID   string    // "credential_id", omitted when empty: e.g. the client secret used
	IssuedAt       time.Time // "iat"
	ExpiresAt      time.Time // "exp"
	MaxExpiresAt   time.Time // "max_exp", omitted when zero; bounds renewals and is enforced like exp
	NumUsesLimit   int       // "uses_limit", omitted when zero
	TrustedIPs     []string  // "trusted_ips" (CIDRs), omitted when empty
	Issuer         string    // "iss", always the Signer's issuer
	// Metadata is what the auth method copied from the workload's own
	// credential (OIDC claims such as repository and ref); "md", omitted when empty.
	Metadata map[string]string
}

type wireClaims struct {
	Issuer         string            `json:"iss"`
	IdentityID     string            `json:"sub"`
	TokenID        string            `json:"jti"`
	OrganizationID string            `json:"org"`
	AuthMethod     string            `json:"auth_method"`
	AuthMethodID   string            `json:"auth_method_id,omitempty"`
	CredentialID   string            `json:"credential_id,omitempty"`
	IssuedAt       int64             `json:"iat"`
	ExpiresAt      int64             `json:"exp"`
	MaxExpiresAt   int64             `json:"max_exp,omitempty"`
	NumUsesLimit   int               `json:"uses_limit,omitempty"`
	TrustedIPs     []string          `json:"trusted_ips,omitempty"`
	Metadata       map[string]string `json:"md,omitempty"`
}

// KeyPair is an Ed25519 signing key identified in token headers by ID ("kid").
type KeyPair struct {
	ID        string
	Private   ed25519.PrivateKey
	CreatedAt time.Time
}

// NewKeyPair generates a key pair with a random UUID as its ID.
func NewKeyPair() (KeyPair, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("token: generate key: %w", err)
	}
	return KeyPair{ID: uuid.NewString(), Private: priv, CreatedAt: time.Now().UTC()}, nil
}

// Signer signs tokens with its newest key and verifies tokens signed by any of its keys.
// It is safe for concurrent use. Its keys are fixed; rotate by building a new Signer.
type Signer struct {
	issuer string
	header string    // base64url of the newest key's JOSE header
	keys   []KeyPair // newest first
	public map[string]ed25519.PublicKey
	cache  verifiedCache
}

// NewSigner returns a Signer for issuer. The key with the latest CreatedAt signs (the first
// one listed on a tie); all keys verify, so tokens signed before a rotation stay valid.
func NewSigner(issuer string, keys ...KeyPair) (*Signer, error) {
	if issuer == "" {
		return nil, errors.New("token: empty issuer")
	}
	if len(keys) == 0 {
		return nil, errors.New("token: no signing keys")
	}
	s := &Signer{
		issuer: issuer,
		keys:   slices.Clone(keys),
		public: make(map[string]ed25519.PublicKey, len(keys)),
		cache:  verifiedCache{m: make(map[cacheKey]Claims)},
	}
	for _, k := range s.keys {
		if k.ID == "" {
			return nil, errors.New("token: key without ID")
		}
		if len(k.Private) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("token: key %s is not an Ed25519 private key", k.ID)
		}
		if _, dup := s.public[k.ID]; dup {
			return nil, fmt.Errorf("token: duplicate key ID %s", k.ID)
		}
		s.public[k.ID] = k.Private.Public().(ed25519.PublicKey)
	}
	slices.SortStableFunc(s.keys, func(a, b KeyPair) int { return b.CreatedAt.Compare(a.CreatedAt) })

	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{"EdDSA", s.keys[0].ID, "JWT"})
	if err != nil {
		return nil, fmt.Errorf("token: encode header: %w", err)
	}
	s.header = base64.RawURLEncoding.EncodeToString(h)
	return s, nil
}

// Sign returns the compact serialization of a token carrying c. c.Issuer is ignored; the
// token is issued by the Signer's issuer.
func (s *Signer) Sign(c Claims) (string, error) {
	if c.TokenID == "" || c.IdentityID == "" {
		return "", errors.New("token: token ID and identity ID are required")
	}
	if c.IssuedAt.IsZero() || !c.ExpiresAt.After(c.IssuedAt) {
		return "", errors.New("token: expiry must be after issue time")
	}
	w := wireClaims{
		Issuer:         s.issuer,
		IdentityID:     c.IdentityID,
		TokenID:        c.TokenID,
		OrganizationID: c.OrganizationID,
		AuthMethod:     c.AuthMethod,
		AuthMethodID:   c.AuthMethodID,
		CredentialID:   c.CredentialID,
		IssuedAt:       c.IssuedAt.Unix(),
		ExpiresAt:      c.ExpiresAt.Unix(),
		NumUsesLimit:   c.NumUsesLimit,
		TrustedIPs:     c.TrustedIPs,
		Metadata:       c.Metadata,
	}
	if !c.MaxExpiresAt.IsZero() {
		w.MaxExpiresAt = c.MaxExpiresAt.Unix()
	}
	payload, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("token: encode claims: %w", err)
	}
	// Compact JWS by hand: go-jose's generic signer costs twice the time
	// of the Ed25519 signature itself, on every login.
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(s.header)+2+enc.EncodedLen(len(payload))+enc.EncodedLen(ed25519.SignatureSize))
	buf = append(buf, s.header...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	sig := ed25519.Sign(s.keys[0].Private, buf)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}

// JWKS returns the public keys as a JSON Web Key Set, newest first.
func (s *Signer) JWKS() ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(s.keys))}
	for _, k := range s.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key:       s.public[k.ID],
			KeyID:     k.ID,
			Algorithm: string(jose.EdDSA),
			Use:       "sig",
		})
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("token: encode jwks: %w", err)
	}
	return b, nil
}
