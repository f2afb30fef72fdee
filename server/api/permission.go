package api

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gobwas/glob"
)

// Scope says which objects a role governs.
type Scope string

const (
	ScopeOrganization Scope = "organization"
	ScopeProject      Scope = "project"
)

// Subjects of permission rules. SubjectRoles and SubjectIdentities exist in
// both scopes; in project scope identities means project memberships.
const (
	SubjectIdentities    = "identities"
	SubjectRoles         = "roles"
	SubjectProjects      = "projects"
	SubjectAuditLogs     = "audit-logs"
	SubjectSettings      = "settings"
	SubjectProject       = "project"
	SubjectEnvironments  = "environments"
	SubjectSecrets       = "secrets"
	SubjectSecretFolders = "secret-folders"
	// SubjectAuthz (action check) asks the decision endpoint what another
	// identity may do; SubjectTokenIntrospection (action read) introspects
	// the organization's access tokens. Neither reads a secret or changes
	// anything, so a gateway's identity may hold just these.
	SubjectAuthz              = "authz"
	SubjectTokenIntrospection = "token-introspection"
)

// SubjectAllProjects is an organization subject whose read action reads,
// in every project of the organization, what a project's "project",
// "environments", "roles" and "identities" (memberships) subjects govern,
// without a membership per project. It never covers secrets or secret
// folders: an organization role can plan every project but read no secret.
const SubjectAllProjects = "all-projects"

// Actions of permission rules. Describe lists secret keys and metadata
// without values; read returns values.
const (
	ActionRead     = "read"
	ActionCreate   = "create"
	ActionEdit     = "edit"
	ActionDelete   = "delete"
	ActionDescribe = "describe"
	ActionCheck    = "check"
)

// Limits on permission rules.
const (
	MaxPermissionRules   = 100
	MaxConditionPatterns = 20
	MaxPatternLength     = 256
	MaxSlugLength        = 64
)

// conditionalSubjects names, for messages, the subjects AcceptsConditions
// allows.
const conditionalSubjects = SubjectSecretFolders + ", " + SubjectSecrets

// PermissionRule grants (or, when Inverted, denies) Actions on Subject. In
// project scope, Conditions narrow secrets and secret folders to
// environments and paths.
type PermissionRule struct {
	Subject    string                `json:"subject"`
	Actions    []string              `json:"actions"`
	Conditions *PermissionConditions `json:"conditions,omitempty"`
	Inverted   bool                  `json:"inverted"`
}

// PermissionConditions restrict a rule; an empty list places no restriction.
type PermissionConditions struct {
	Environments []string `json:"environments,omitempty"` // environment slugs or globs
	SecretPaths  []string `json:"secretPaths,omitempty"`  // globs over "/"-separated paths: * within a segment, ** across segments
}

// IsEmpty reports whether c places no restriction.
func (c *PermissionConditions) IsEmpty() bool {
	return c == nil || (len(c.Environments) == 0 && len(c.SecretPaths) == 0)
}

var crud = []string{ActionCreate, ActionDelete, ActionEdit, ActionRead}

var catalog = map[Scope]map[string][]string{
	ScopeOrganization: {
		SubjectIdentities:         crud,
		SubjectRoles:              crud,
		SubjectProjects:           crud,
		SubjectAuditLogs:          {ActionRead},
		SubjectSettings:           {ActionEdit, ActionRead},
		SubjectAuthz:              {ActionCheck},
		SubjectTokenIntrospection: {ActionRead},
		SubjectAllProjects:        {ActionRead},
	},
	ScopeProject: {
		SubjectProject:       {ActionDelete, ActionEdit, ActionRead},
		SubjectEnvironments:  crud,
		SubjectRoles:         crud,
		SubjectIdentities:    crud,
		SubjectSecrets:       {ActionCreate, ActionDelete, ActionDescribe, ActionEdit, ActionRead},
		SubjectSecretFolders: crud,
	},
}

// Subjects lists the subjects of scope in sorted order.
func Subjects(scope Scope) []string {
	subjects := make([]string, 0, len(catalog[scope]))
	for s := range catalog[scope] {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects)
	return subjects
}

// Actions lists the actions of subject in scope in sorted order; nil when
// the subject is unknown.
func Actions(scope Scope, subject string) []string {
	return slices.Clone(catalog[scope][subject])
}

// HasAction reports whether action exists for subject in scope.
func HasAction(scope Scope, subject, action string) bool {
	return slices.Contains(catalog[scope][subject], action)
}

// AcceptsConditions reports whether rules on subject in scope may carry
// conditions.
func AcceptsConditions(scope Scope, subject string) bool {
	return scope == ScopeProject && (subject == SubjectSecrets || subject == SubjectSecretFolders)
}

// ValidateSlug accepts 1–64 lowercase letters, digits and single inner
// hyphens ("prod", "eu-west-1").
func ValidateSlug(s string) error {
	if len(s) == 0 || len(s) > MaxSlugLength || !isSlug(s) {
		return fmt.Errorf("%q is not a valid slug: must be 1-%d characters matching ^[a-z0-9]+(-[a-z0-9]+)*$", s, MaxSlugLength)
	}
	return nil
}

// isSlug reports whether s matches ^[a-z0-9]+(-[a-z0-9]+)*$, without a
// regular expression: every request names a slug or two.
func isSlug(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1 && s[i-1] != '-':
		default:
			return false
		}
	}
	return len(s) > 0
}

// ValidateGlob accepts a glob over "/"-separated paths: * matches within a
// segment, ** across segments, ? one character, plus [a-z] classes, {a,b}
// alternatives and \ escapes.
func ValidateGlob(pattern string) error {
	switch {
	case pattern == "":
		return errors.New("glob must not be empty")
	case len(pattern) > MaxPatternLength:
		return fmt.Errorf("glob must be at most %d bytes, got %d", MaxPatternLength, len(pattern))
	case !utf8.ValidString(pattern):
		return fmt.Errorf("glob %q is not valid UTF-8", pattern)
	case strings.ContainsFunc(pattern, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		// The glob lexer stops at NUL, so a control character could silently
		// truncate the pattern.
		return fmt.Errorf("glob %q must not contain control characters", pattern)
	}
	if err := checkBraces(pattern); err != nil {
		return fmt.Errorf("glob %q %v", pattern, err)
	}
	if _, err := glob.Compile(pattern, '/'); err != nil {
		return fmt.Errorf("glob %q does not compile: %v", pattern, err)
	}
	return nil
}

// checkBraces requires every unescaped { outside a [class] to be closed and
// to hold something. The glob library silently accepts "/{a,b" as "/{a,b}",
// which hides typos, and its own matcher panics on patterns like "0{}".
func checkBraces(pattern string) error {
	var groups []bool // per open group: whether it holds anything yet
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case inClass:
			if c == '\\' {
				i++
			}
			inClass = c != ']'
			continue
		case c == '\\':
			i++
		case c == '[':
			inClass = true
		case c == '{':
			groups = append(groups, false)
			continue
		case c == ',' && len(groups) > 0:
			continue
		case c == '}':
			if len(groups) == 0 {
				return errors.New(`has an unopened "}"; escape a literal brace as \}`)
			}
			if !groups[len(groups)-1] {
				return errors.New(`has an empty group "{}"`)
			}
			groups = groups[:len(groups)-1]
		}
		if len(groups) > 0 {
			groups[len(groups)-1] = true
		}
	}
	if len(groups) > 0 {
		return errors.New(`has an unclosed "{"; escape a literal brace as \{`)
	}
	return nil
}

// ValidateRules checks rules of scope and reports each failure under its
// JSON path below field, e.g. "permissions[2].actions[0]".
func ValidateRules(scope Scope, field string, rules []PermissionRule, errs *FieldErrors) {
	if len(rules) > MaxPermissionRules {
		errs.Add(field, "must hold at most %d rules, got %d", MaxPermissionRules, len(rules))
		return
	}
	for i, r := range rules {
		validateRule(scope, fmt.Sprintf("%s[%d]", field, i), r, errs)
	}
}

func validateRule(scope Scope, field string, r PermissionRule, errs *FieldErrors) {
	allowed, known := catalog[scope][r.Subject]
	if !known {
		errs.Add(field+".subject", "unknown subject %q for %s scope; allowed: %s", r.Subject, scope, strings.Join(Subjects(scope), ", "))
	}
	if len(r.Actions) == 0 {
		if known {
			errs.Add(field+".actions", "must hold at least one action; allowed: %s", strings.Join(allowed, ", "))
		} else {
			errs.Add(field+".actions", "must hold at least one action")
		}
	}
	seen := map[string]bool{}
	for j, a := range r.Actions {
		f := fmt.Sprintf("%s.actions[%d]", field, j)
		switch {
		case seen[a]:
			errs.Add(f, "duplicate action %q", a)
		case known && !slices.Contains(allowed, a):
			errs.Add(f, "unknown action %q for subject %q; allowed: %s", a, r.Subject, strings.Join(allowed, ", "))
		}
		seen[a] = true
	}
	if r.Conditions.IsEmpty() {
		return
	}
	if known && !AcceptsConditions(scope, r.Subject) {
		if scope == ScopeProject {
			errs.Add(field+".conditions", "not allowed on subject %q; only on: %s", r.Subject, conditionalSubjects)
		} else {
			errs.Add(field+".conditions", "not allowed in %s scope; only project rules on %s take conditions", scope, conditionalSubjects)
		}
		return
	}
	validatePatterns(field+".conditions.environments", r.Conditions.Environments, validateEnvironmentPattern, errs)
	validatePatterns(field+".conditions.secretPaths", r.Conditions.SecretPaths, validateSecretPathPattern, errs)
}

func validatePatterns(field string, patterns []string, check func(string) error, errs *FieldErrors) {
	if len(patterns) > MaxConditionPatterns {
		errs.Add(field, "must hold at most %d patterns, got %d", MaxConditionPatterns, len(patterns))
		return
	}
	seen := map[string]bool{}
	for i, p := range patterns {
		f := fmt.Sprintf("%s[%d]", field, i)
		if seen[p] {
			errs.Add(f, "duplicate pattern %q", p)
		} else if err := check(p); err != nil {
			errs.Add(f, "%s", err)
		}
		seen[p] = true
	}
}

func validateEnvironmentPattern(p string) error {
	if !strings.ContainsAny(p, "*?") {
		return ValidateSlug(p)
	}
	if len(p) > MaxPatternLength {
		return fmt.Errorf("environment glob must be at most %d bytes, got %d", MaxPatternLength, len(p))
	}
	for _, c := range []byte(p) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '*' || c == '?') {
			return fmt.Errorf("%q is not a valid environment glob: may only contain a-z, 0-9, \"-\", \"*\" and \"?\"", p)
		}
	}
	return nil
}

func validateSecretPathPattern(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("secret path glob %q must start with \"/\" (e.g. /database/*)", p)
	}
	return ValidateGlob(p)
}

// NormalizeRules returns a copy of rules in canonical order: actions and
// condition lists sorted, conditions without entries dropped, and the rules
// sorted by subject, inverted, actions and conditions. The server stores and
// returns this form so that a Terraform plan sees no spurious diff.
func NormalizeRules(rules []PermissionRule) []PermissionRule {
	out := make([]PermissionRule, len(rules))
	for i, r := range rules {
		n := PermissionRule{Subject: r.Subject, Actions: sortedCopy(r.Actions), Inverted: r.Inverted}
		if !r.Conditions.IsEmpty() {
			n.Conditions = &PermissionConditions{
				Environments: sortedCopy(r.Conditions.Environments),
				SecretPaths:  sortedCopy(r.Conditions.SecretPaths),
			}
		}
		out[i] = n
	}
	slices.SortStableFunc(out, compareRules)
	return out
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func compareRules(a, b PermissionRule) int {
	if c := cmp.Compare(a.Subject, b.Subject); c != 0 {
		return c
	}
	if a.Inverted != b.Inverted {
		if a.Inverted {
			return 1
		}
		return -1
	}
	if c := slices.Compare(a.Actions, b.Actions); c != 0 {
		return c
	}
	var ae, as, be, bs []string
	if a.Conditions != nil {
		ae, as = a.Conditions.Environments, a.Conditions.SecretPaths
	}
	if b.Conditions != nil {
		be, bs = b.Conditions.Environments, b.Conditions.SecretPaths
	}
	if c := slices.Compare(ae, be); c != 0 {
		return c
	}
	return slices.Compare(as, bs)
}
