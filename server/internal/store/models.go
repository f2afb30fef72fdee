package store

import (
	"encoding/json"
	"time"

	"github.com/idplane/idplane/server/api"
)

// Organization is a tenant; nothing crosses organizations.
type Organization struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
}

// Identity is a machine identity.
type Identity struct {
	ID               string `gorm:"primaryKey"`
	OrganizationID   string
	Name             string
	Role             string
	Description      string
	Metadata         JSON[map[string]string]
	DeleteProtection bool
	Version          int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Project groups environments.
type Project struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	Name           string
	Slug           string
	Description    string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Environment is a stage of a project.
type Environment struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	ProjectID      string
	Name           string
	Slug           string
	Position       int
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Role is a custom role; ProjectID is empty for organization roles.
type Role struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	ProjectID      string
	Slug           string
	Name           string
	Description    string
	Permissions    JSON[[]api.PermissionRule]
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Membership places an identity in a project.
type Membership struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	ProjectID      string
	IdentityID     string
	Roles          JSON[[]api.MembershipRole]
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// UniversalAuth is the client-ID/secret method of an identity.
type UniversalAuth struct {
	ID                      string `gorm:"primaryKey"`
	OrganizationID          string
	IdentityID              string
	ClientID                string
	AccessTokenTTL          int `gorm:"column:access_token_ttl"`
	AccessTokenMaxTTL       int `gorm:"column:access_token_max_ttl"`
	AccessTokenNumUsesLimit int
	AccessTokenTrustedIPs   JSON[[]string] `gorm:"column:access_token_trusted_ips"`
	ClientSecretTrustedIPs  JSON[[]string] `gorm:"column:client_secret_trusted_ips"`
	LockoutEnabled          bool
	LockoutThreshold        int
	LockoutDuration         int
	LockoutCounterReset     int
	Version                 int64
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// AuthMethodConfig is an auth method of an identity other than universal
// auth: its token settings and its configuration (JSON, validated by the
// method), and the secret part the method keeps sealed, when it has one.
type AuthMethodConfig struct {
	ID                      string `gorm:"primaryKey"`
	OrganizationID          string
	IdentityID              string
	Kind                    string
	AccessTokenTTL          int `gorm:"column:access_token_ttl"`
	AccessTokenMaxTTL       int `gorm:"column:access_token_max_ttl"`
	AccessTokenNumUsesLimit int
	AccessTokenTrustedIPs   JSON[[]string] `gorm:"column:access_token_trusted_ips"`
	Config                  JSON[json.RawMessage]
	// Sealed is encrypted with the master key; NULL when the method keeps
	// no secret.
	Sealed    *[]byte
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UsedSignedRequest remembers, by SHA-256, a signed request a login
// accepted (AWS auth), until it expires, so it is accepted only once.
type UsedSignedRequest struct {
	Hash      []byte `gorm:"primaryKey"`
	ExpiresAt time.Time
}

// ClientSecret is stored only as a keyed hash; Prefix is public.
type ClientSecret struct {
	ID              string `gorm:"primaryKey"`
	OrganizationID  string
	IdentityID      string
	UniversalAuthID string
	Description     string
	Prefix          string
	Hash            []byte
	TTL             int `gorm:"column:ttl"`
	NumUsesLimit    int
	NumUses         int
	ExpiresAt       *time.Time
	RevokedAt       *time.Time
	CreatedAt       time.Time
}

// Lockout counts failed logins of one universal auth from one source.
type Lockout struct {
	UniversalAuthID string `gorm:"primaryKey"`
	SourceKey       string `gorm:"primaryKey"`
	Failures        int
	WindowStart     time.Time
	LockedUntil     *time.Time
}

// AccessToken records an issued token, for use limits, renewal and revocation.
type AccessToken struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	IdentityID     string
	AuthMethod     string
	AuthMethodID   string
	CredentialID   string
	TTL            int `gorm:"column:ttl"`
	NumUsesLimit   int
	NumUses        int
	CreatedAt      time.Time
	ExpiresAt      time.Time
	MaxExpiresAt   time.Time
	RevokedAt      *time.Time
}

// Revocation kinds: what RefID names.
const (
	RevokeToken      = "token"
	RevokeIdentity   = "identity"
	RevokeAuthMethod = "auth_method"
	RevokeCredential = "credential"
)

// Revocation is appended whenever tokens stop being valid, so that every
// replica learns it by polling: tokens issued at or before RevokedAt whose
// Kind matches RefID are invalid.
type Revocation struct {
	ID        int64 `gorm:"primaryKey;autoIncrement"`
	Kind      string
	RefID     string
	RevokedAt time.Time
	// ExpiresAt is when no token it revokes can verify any more, when that
	// is known (a single token's maximum expiry); nil keeps the revocation
	// for api.MaxTokenTTL after RevokedAt.
	ExpiresAt *time.Time
}

// SigningKey is an Ed25519 private key, encrypted with the master key.
type SigningKey struct {
	ID         string `gorm:"primaryKey"`
	PrivateKey []byte
	CreatedAt  time.Time
}

// AuditEvent records one login or change. The columns that hold text of
// outside origin (an ID a request named, a header, a reason quoting what
// was refused) have a size: the store cuts them to it (see text.go).
type AuditEvent struct {
	ID             int64 `gorm:"primaryKey;autoIncrement"`
	OrganizationID string
	Time           time.Time
	ActorType      string
	ActorID        string `gorm:"size:256"`
	Action         string
	TargetType     string
	TargetID       string `gorm:"size:256"`
	SourceIP       string `gorm:"column:source_ip;size:64"`
	UserAgent      string `gorm:"size:256"`
	Outcome        string
	Reason         string `gorm:"size:1024"`
	RequestID      string `gorm:"size:128"`
	Metadata       JSON[map[string]string]
}

// ProjectKey is a project's data key, sealed with the master key; it seals
// the project's secret values (envelope encryption).
type ProjectKey struct {
	ProjectID      string `gorm:"primaryKey"`
	OrganizationID string
	DataKey        []byte
	CreatedAt      time.Time
}

// Secret is the current version of a secret of a project's environment at a
// folder path. Value is sealed with the project's data key, bound to the
// secret's ID and version.
type Secret struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	ProjectID      string
	EnvironmentID  string
	SecretPath     string
	SecretKey      string
	Type           string
	Version        int64
	Value          []byte
	Comment        string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// SecretVersion is one written version of a secret, kept for retrieval by
// version; Value is sealed as Secret's is.
type SecretVersion struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	SecretID       string
	Version        int64
	Value          []byte
	Comment        string
	CreatedAt      time.Time
}

// SecretFolder is a folder named Name under ParentPath in an environment.
type SecretFolder struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	ProjectID      string
	EnvironmentID  string
	ParentPath     string
	Name           string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Models lists every table's model, for the schema test.
func Models() []any {
	return []any{
		&Organization{}, &Identity{}, &Project{}, &Environment{}, &Role{}, &Membership{},
		&UniversalAuth{}, &AuthMethodConfig{}, &ClientSecret{}, &Lockout{}, &AccessToken{}, &Revocation{},
		&SigningKey{}, &AuditEvent{}, &UsedSignedRequest{}, &IdempotencyKey{}, &IdentityLogin{}, &IdentityActivity{},
		&ProjectKey{}, &Secret{}, &SecretVersion{}, &SecretFolder{},
	}
}
