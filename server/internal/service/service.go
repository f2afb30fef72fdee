// Package service holds the domain: validation, authorization and business
// rules between the HTTP handlers and the store.
package service

import (
	"net/netip"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/internal/authz"
	"github.com/idplane/idplane/server/internal/revocation"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/internal/token"
)

// Service is the control plane's domain logic. It is safe for concurrent use
// and keeps no per-request state, so replicas can share one database.
type Service struct {
	store       *store.Store
	db          *gorm.DB
	keys        *secret.Keys
	signer      *token.Signer
	writes      *store.GroupCommit
	revocations *revocation.Cache
	observer    Observer
	activity    ActivityRecorder
	methods     AuthMethods
	now         func() time.Time

	// What authorization reads, reused for at most freshFor.
	perms        *freshCache[[2]string, *authz.Permissions] // by organization and identity
	projectRefs  *freshCache[[2]string, store.Project]      // by organization and project ID or slug
	environments *freshCache[[2]string, store.Environment]  // by project and slug
	// secretRows are secrets' rows (sealed values), by environment, path
	// and key, reused for at most freshFor like what authorization reads.
	secretRows *freshCache[[3]string, store.Secret]
	// dataKeys caches projects' opened data keys (project ID → *secret.DataKey).
	dataKeys sync.Map
}

// Observer is told about logins and issued tokens (for metrics).
type Observer interface {
	Login(method, outcome string)
	TokenIssued(method string)
}

// ActivityRecorder is told about every successful login, for the last
// logins and monthly active identities (store.Activity, which batches them).
type ActivityRecorder interface {
	Record(org, identity, method string, at time.Time)
}

type nopActivity struct{}

func (nopActivity) Record(string, string, string, time.Time) {}

type nopObserver struct{}

func (nopObserver) Login(string, string) {}
func (nopObserver) TokenIssued(string)   {}

// Deps are what a Service is built from.
type Deps struct {
	Store       *store.Store
	Keys        *secret.Keys
	Signer      *token.Signer
	Writes      *store.GroupCommit
	Revocations *revocation.Cache
	Observer    Observer
	// Activity records successful logins; nil records none.
	Activity ActivityRecorder
	// AuthMethods are the registered auth methods.
	AuthMethods AuthMethods
	Now         func() time.Time
}

// New returns a Service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, db: d.Store.DB, keys: d.Keys, signer: d.Signer, writes: d.Writes,
		revocations: d.Revocations, observer: d.Observer, activity: d.Activity, methods: d.AuthMethods, now: d.Now,
		perms: newFreshCache[[2]string, *authz.Permissions](), projectRefs: newFreshCache[[2]string, store.Project](),
		environments: newFreshCache[[2]string, store.Environment](), secretRows: newFreshCache[[3]string, store.Secret]()}
	if s.observer == nil {
		s.observer = nopObserver{}
	}
	if s.activity == nil {
		s.activity = nopActivity{}
	}
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC() }
	}
	return s
}

// Meta describes where a request came from, for audit events.
type Meta struct {
	IP        netip.Addr
	UserAgent string
	RequestID string
}

// NewID returns a new row ID (a UUIDv7, so IDs sort by creation).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// updateVersioned writes values to the row id of model's table when its
// version is still want (want 0 skips the check) and bumps the version.
func updateVersioned(tx *gorm.DB, model any, id string, want, current int64, values map[string]any, now time.Time) (int64, error) {
	if want != 0 && want != current {
		return 0, StaleError(want, current)
	}
	values["version"] = current + 1
	values["updated_at"] = now
	res := tx.Model(model).Where("id = ? AND version = ?", id, current).Updates(values)
	if res.Error != nil {
		return 0, store.Translate(res.Error, "update")
	}
	if res.RowsAffected != 1 {
		return 0, StaleError(want, current+1)
	}
	return current + 1, nil
}
