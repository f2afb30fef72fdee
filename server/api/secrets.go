package api

import (
	"errors"
	"net/url"
	"strconv"
	"time"
)

// Secret types of Infisical's raw secrets API. idplane keeps shared secrets
// only: a personal secret is a user's override, and idplane has no users.
const (
	SecretTypeShared   = "shared"
	SecretTypePersonal = "personal"
)

// Limits of secrets.
const (
	// MaxSecretValueBytes is the largest secret value, in bytes; a larger
	// one is refused with 413.
	MaxSecretValueBytes = 1 << 20
	// MaxSecretKeyLen bounds secret keys (folder paths: MaxSecretPathLength).
	MaxSecretKeyLen = 256
	// MaxSecretCommentLen bounds a secret's comment.
	MaxSecretCommentLen = 10000
)

// SecretKeyRule says what a secret key may be, for error messages. It is
// Infisical's set of characters with a shell-safe start, so a key is also
// a valid environment variable name whenever it holds no dash or dot.
const SecretKeyRule = "must start with a letter or underscore and hold only letters, digits, underscores, dashes and dots, at most 256 characters"

var errSecretKey = errors.New(SecretKeyRule)

// ValidateSecretKey checks a secret key against SecretKeyRule.
func ValidateSecretKey(k string) error {
	if k == "" || len(k) > MaxSecretKeyLen || !keyStart(k[0]) {
		return errSecretKey
	}
	for i := 1; i < len(k); i++ {
		if !keyStart(k[i]) && !(k[i] >= '0' && k[i] <= '9') && k[i] != '-' && k[i] != '.' {
			return errSecretKey
		}
	}
	return nil
}

func keyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// Secret is a secret as Infisical's raw secrets API answers it (its Go
// SDK's models.Secret). Workspace is the project's ID; Environment the
// environment's slug.
type Secret struct {
	ID          string `json:"id"`
	LegacyID    string `json:"_id"`
	Workspace   string `json:"workspace"`
	Environment string `json:"environment"`
	Version     int64  `json:"version"`
	Type        string `json:"type"`
	SecretKey   string `json:"secretKey"`
	SecretValue string `json:"secretValue"`
	// SecretValueHidden is true when the answer withholds the value, as
	// Infisical's does: a delete's, and an update's that gave no value
	// (neither implies read, and neither is audited as one).
	SecretValueHidden bool             `json:"secretValueHidden"`
	SecretComment     string           `json:"secretComment"`
	SecretPath        string           `json:"secretPath"`
	SecretMetadata    []SecretMetadata `json:"secretMetadata"`
	Tags              []SecretTag      `json:"tags"`
	CreatedAt         time.Time        `json:"createdAt"`
	UpdatedAt         time.Time        `json:"updatedAt"`
}

// SecretMetadata is a key/value of a secret; always empty in idplane.
type SecretMetadata struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SecretTag is a tag of a secret; always empty in idplane.
type SecretTag struct {
	ID    string `json:"id"`
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// SecretResponse wraps one secret, as Infisical answers.
type SecretResponse struct {
	Secret Secret `json:"secret"`
}

// SecretList is the answer of a list: the secrets, sorted by path and key.
// Imports is always empty (idplane has no secret imports).
type SecretList struct {
	Secrets []Secret       `json:"secrets"`
	Imports []SecretImport `json:"imports"`
}

// SecretImport is a block of imported secrets; never sent by idplane.
type SecretImport struct {
	SecretPath  string   `json:"secretPath"`
	Environment string   `json:"environment"`
	FolderID    string   `json:"folderId"`
	Secrets     []Secret `json:"secrets"`
}

// SecretListQuery are the query parameters of GET /api/v3/secrets/raw.
// The project is workspaceId (its ID) or workspaceSlug.
// include_imports and expandSecretReferences are accepted and change
// nothing: idplane has no imports and no references.
type SecretListQuery struct {
	WorkspaceID            string `query:"workspaceId"`
	WorkspaceSlug          string `query:"workspaceSlug"`
	Environment            string `query:"environment"`
	SecretPath             string `query:"secretPath"`
	Recursive              bool   `query:"recursive"`
	IncludeImports         bool   `query:"include_imports"`
	ExpandSecretReferences bool   `query:"expandSecretReferences"`
	// WithoutValues is viewSecretValue=false (Infisical's parameter; true
	// when absent): keys, versions and comments only, authorized by
	// describe instead of read and audited as secret.describe.
	WithoutValues bool `query:"viewSecretValue"`
}

// SecretGetQuery are the query parameters of GET /api/v3/secrets/raw/{secretName}.
// Version 0 is the current version.
type SecretGetQuery struct {
	WorkspaceID            string `query:"workspaceId"`
	WorkspaceSlug          string `query:"workspaceSlug"`
	Environment            string `query:"environment"`
	SecretPath             string `query:"secretPath"`
	Type                   string `query:"type"`
	Version                int64  `query:"version"`
	IncludeImports         bool   `query:"include_imports"`
	ExpandSecretReferences bool   `query:"expandSecretReferences"`
	// WithoutValues is viewSecretValue=false, as in SecretListQuery.
	WithoutValues bool `query:"viewSecretValue"`
}

// SecretScope is where a secret is: project, environment and folder path.
type SecretScope struct {
	WorkspaceID   string
	WorkspaceSlug string
	Environment   string
	SecretPath    string
}

// projectSlug is the project's slug of a body: workspaceSlug, as idplane
// and Infisical's queries name it, else projectSlug, as Infisical's bodies do.
func projectSlug(workspaceSlug, projectSlug string) string {
	if workspaceSlug != "" {
		return workspaceSlug
	}
	return projectSlug
}

func checkProjectSlug(errs *FieldErrors, workspaceSlug, projectSlug string) {
	if workspaceSlug != "" && projectSlug != "" && workspaceSlug != projectSlug {
		errs.Add("projectSlug", "differs from workspaceSlug %q: give the project's slug once", workspaceSlug)
	}
}

// Project is the project reference: the ID, else the slug.
func (s SecretScope) Project() string {
	if s.WorkspaceID != "" {
		return s.WorkspaceID
	}
	return s.WorkspaceSlug
}

// Scope is the list query's SecretScope.
func (q SecretListQuery) Scope() SecretScope {
	return SecretScope{q.WorkspaceID, q.WorkspaceSlug, q.Environment, q.SecretPath}
}

// Scope is the retrieve query's SecretScope.
func (q SecretGetQuery) Scope() SecretScope {
	return SecretScope{q.WorkspaceID, q.WorkspaceSlug, q.Environment, q.SecretPath}
}

// ParseSecretListQuery reads the list's query parameters.
func ParseSecretListQuery(v url.Values) (SecretListQuery, error) {
	var errs FieldErrors
	q := SecretListQuery{WorkspaceID: v.Get("workspaceId"), WorkspaceSlug: v.Get("workspaceSlug"),
		Environment: v.Get("environment"), SecretPath: v.Get("secretPath")}
	q.Recursive = queryBool(&errs, v, "recursive")
	q.IncludeImports = queryBool(&errs, v, "include_imports")
	q.ExpandSecretReferences = queryBool(&errs, v, "expandSecretReferences")
	q.WithoutValues = withoutValues(&errs, v)
	return q, errs.Err()
}

// ParseSecretGetQuery reads the retrieve's query parameters.
func ParseSecretGetQuery(v url.Values) (SecretGetQuery, error) {
	var errs FieldErrors
	q := SecretGetQuery{WorkspaceID: v.Get("workspaceId"), WorkspaceSlug: v.Get("workspaceSlug"),
		Environment: v.Get("environment"), SecretPath: v.Get("secretPath"), Type: v.Get("type")}
	q.IncludeImports = queryBool(&errs, v, "include_imports")
	q.ExpandSecretReferences = queryBool(&errs, v, "expandSecretReferences")
	q.WithoutValues = withoutValues(&errs, v)
	if s := v.Get("version"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			errs.Add("version", "must be a version number, 1 or more")
		}
		q.Version = n
	}
	return q, errs.Err()
}

// withoutValues reads viewSecretValue, which is true when absent or empty.
func withoutValues(errs *FieldErrors, v url.Values) bool {
	return v.Get("viewSecretValue") != "" && !queryBool(errs, v, "viewSecretValue")
}

func queryBool(errs *FieldErrors, v url.Values, name string) bool {
	s := v.Get(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		errs.Add(name, "must be true or false")
	}
	return b
}

// SecretCreate is the body of POST /api/v3/secrets/raw/{secretName}.
type SecretCreate struct {
	WorkspaceID           string `json:"workspaceId,omitempty"`
	WorkspaceSlug         string `json:"workspaceSlug,omitempty"`
	ProjectSlug           string `json:"projectSlug,omitempty"`
	Environment           string `json:"environment"`
	SecretPath            string `json:"secretPath,omitempty"`
	Type                  string `json:"type,omitempty"`
	SecretValue           string `json:"secretValue"`
	SecretComment         string `json:"secretComment,omitempty"`
	SkipMultilineEncoding bool   `json:"skipMultilineEncoding,omitempty"`
}

// Scope is where the secret is created.
func (in *SecretCreate) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, projectSlug(in.WorkspaceSlug, in.ProjectSlug), in.Environment, in.SecretPath}
}

// Validate implements the server's body validation.
func (in *SecretCreate) Validate(errs *FieldErrors) {
	checkProjectSlug(errs, in.WorkspaceSlug, in.ProjectSlug)
}

// SecretUpdate is the body of PATCH /api/v3/secrets/raw/{secretName}: a
// member left out keeps its value.
type SecretUpdate struct {
	WorkspaceID           string  `json:"workspaceId,omitempty"`
	WorkspaceSlug         string  `json:"workspaceSlug,omitempty"`
	ProjectSlug           string  `json:"projectSlug,omitempty"`
	Environment           string  `json:"environment"`
	SecretPath            string  `json:"secretPath,omitempty"`
	Type                  string  `json:"type,omitempty"`
	SecretValue           *string `json:"secretValue,omitempty"`
	SecretComment         *string `json:"secretComment,omitempty"`
	SkipMultilineEncoding bool    `json:"skipMultilineEncoding,omitempty"`
}

// Scope is where the secret is.
func (in *SecretUpdate) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, projectSlug(in.WorkspaceSlug, in.ProjectSlug), in.Environment, in.SecretPath}
}

// Validate implements the server's body validation.
func (in *SecretUpdate) Validate(errs *FieldErrors) {
	checkProjectSlug(errs, in.WorkspaceSlug, in.ProjectSlug)
}

// SecretDelete is the body of DELETE /api/v3/secrets/raw/{secretName}.
type SecretDelete struct {
	WorkspaceID   string `json:"workspaceId,omitempty"`
	WorkspaceSlug string `json:"workspaceSlug,omitempty"`
	ProjectSlug   string `json:"projectSlug,omitempty"`
	Environment   string `json:"environment"`
	SecretPath    string `json:"secretPath,omitempty"`
	Type          string `json:"type,omitempty"`
}

// Scope is where the secret is.
func (in *SecretDelete) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, projectSlug(in.WorkspaceSlug, in.ProjectSlug), in.Environment, in.SecretPath}
}

// Validate implements the server's body validation.
func (in *SecretDelete) Validate(errs *FieldErrors) {
	checkProjectSlug(errs, in.WorkspaceSlug, in.ProjectSlug)
}

// MaxSecretBatch is the most secrets one batch creates.
const MaxSecretBatch = 100

// SecretBatchCreate is the body of POST /api/v3/secrets/batch/raw: secrets
// created together at one place, all or none.
type SecretBatchCreate struct {
	WorkspaceID   string            `json:"workspaceId,omitempty"`
	WorkspaceSlug string            `json:"workspaceSlug,omitempty"`
	ProjectSlug   string            `json:"projectSlug,omitempty"`
	Environment   string            `json:"environment"`
	SecretPath    string            `json:"secretPath,omitempty"`
	Secrets       []SecretBatchItem `json:"secrets"`
}

// Scope is where the secrets are created.
func (in *SecretBatchCreate) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, projectSlug(in.WorkspaceSlug, in.ProjectSlug), in.Environment, in.SecretPath}
}

// Validate implements the server's body validation.
func (in *SecretBatchCreate) Validate(errs *FieldErrors) {
	checkProjectSlug(errs, in.WorkspaceSlug, in.ProjectSlug)
}

// SecretBatchItem is one secret of a batch. Metadata and tags are accepted
// only empty: idplane keeps neither.
type SecretBatchItem struct {
	SecretKey             string           `json:"secretKey"`
	SecretValue           string           `json:"secretValue"`
	SecretComment         string           `json:"secretComment,omitempty"`
	SkipMultilineEncoding bool             `json:"skipMultilineEncoding,omitempty"`
	SecretMetadata        []SecretMetadata `json:"secretMetadata,omitempty"`
	TagIDs                []string         `json:"tagIds,omitempty"`
}

// SecretBatch is the answer of a batch: the secrets created, in order.
type SecretBatch struct {
	Secrets []Secret `json:"secrets"`
}

// Modes of a batch update: refuse a key that does not exist, or create it.
const (
	SecretBatchFailOnNotFound = "failOnNotFound"
	SecretBatchUpsert         = "upsert"
)

// SecretBatchUpdate is the body of PATCH /api/v3/secrets/batch/raw: secrets
// changed together, all or none. Each item is at SecretPath unless it
// names a path of its own. Mode failOnNotFound (the default) refuses a key
// that does not exist; upsert creates it.
type SecretBatchUpdate struct {
	WorkspaceID   string                  `json:"workspaceId,omitempty"`
	WorkspaceSlug string                  `json:"workspaceSlug,omitempty"`
	ProjectSlug   string                  `json:"projectSlug,omitempty"`
	Environment   string                  `json:"environment"`
	SecretPath    string                  `json:"secretPath,omitempty"`
	Mode          string                  `json:"mode,omitempty"`
	Secrets       []SecretBatchUpdateItem `json:"secrets"`
}

// Scope is where the secrets are, unless an item names its own path.
func (in *SecretBatchUpdate) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, projectSlug(in.WorkspaceSlug, in.ProjectSlug), in.Environment, in.SecretPath}
}

// Validate implements the server's body validation.
func (in *SecretBatchUpdate) Validate(errs *FieldErrors) {
	checkProjectSlug(errs, in.WorkspaceSlug, in.ProjectSlug)
	switch in.Mode {
	case "", SecretBatchFailOnNotFound, SecretBatchUpsert:
	default:
		errs.Add("mode", "must be %q (the default) or %q", SecretBatchFailOnNotFound, SecretBatchUpsert)
	}
}

// SecretBatchUpdateItem is one change of a batch update: a member left out
// keeps its value; NewSecretName renames the secret. Metadata, tags and
// reminders are accepted only empty: idplane keeps none of them.
type SecretBatchUpdateItem struct {
	SecretKey                string           `json:"secretKey"`
	SecretValue              *string          `json:"secretValue,omitempty"`
	SecretComment            *string          `json:"secretComment,omitempty"`
	SecretPath               string           `json:"secretPath,omitempty"`
	NewSecretName            string           `json:"newSecretName,omitempty"`
	SkipMultilineEncoding    bool             `json:"skipMultilineEncoding,omitempty"`
	SecretMetadata           []SecretMetadata `json:"secretMetadata,omitempty"`
	TagIDs                   []string         `json:"tagIds,omitempty"`
	SecretReminderNote       string           `json:"secretReminderNote,omitempty"`
	SecretReminderRepeatDays *int64           `json:"secretReminderRepeatDays,omitempty"`
}

// SecretBatchDelete is the body of DELETE /api/v3/secrets/batch/raw:
// secrets deleted together at one place, all or none.
type SecretBatchDelete struct {
	WorkspaceID   string                  `json:"workspaceId,omitempty"`
	WorkspaceSlug string                  `json:"workspaceSlug,omitempty"`
	ProjectSlug   string                  `json:"projectSlug,omitempty"`
	Environment   string                  `json:"environment"`
	SecretPath    string                  `json:"secretPath,omitempty"`
	Secrets       []SecretBatchDeleteItem `json:"secrets"`
}

// Scope is where the secrets are.
func (in *SecretBatchDelete) Scope() SecretScope {
	return SecretScope{in.WorkspaceID, projectSlug(in.WorkspaceSlug, in.ProjectSlug), in.Environment, in.SecretPath}
}

// Validate implements the server's body validation.
func (in *SecretBatchDelete) Validate(errs *FieldErrors) {
	checkProjectSlug(errs, in.WorkspaceSlug, in.ProjectSlug)
}

// SecretBatchDeleteItem names one secret of a batch delete.
type SecretBatchDeleteItem struct {
	SecretKey string `json:"secretKey"`
	Type      string `json:"type,omitempty"`
}
