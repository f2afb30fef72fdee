package identityaudit

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/idplane/idplane/server/api"
)

// activity is the live audit's activity section: every identity with its
// last login, overall and per auth method (attached or used), by name.
func activity(m *Model) *api.AuditActivity {
	if m.Activity == nil {
		return nil
	}
	out := &api.AuditActivity{Month: m.Activity.Month, DeclaredIdentities: len(m.Identities),
		MonthlyActiveIdentities: m.Activity.MonthlyActive, Identities: make([]api.AuditIdentityActivity, 0, len(m.Identities))}
	for _, id := range m.Identities {
		kinds := slices.Collect(maps.Keys(id.MethodLogins))
		for _, am := range id.AuthMethods {
			if !slices.Contains(kinds, am.Kind) {
				kinds = append(kinds, am.Kind)
			}
		}
		slices.Sort(kinds)
		a := api.AuditIdentityActivity{Identity: id.Name, LastLoginAt: timePtr(id.LastLogin), AuthMethods: make([]api.AuditMethodActivity, 0, len(kinds))}
		for _, k := range kinds {
			a.AuthMethods = append(a.AuthMethods, api.AuditMethodActivity{AuthMethod: k, LastLoginAt: timePtr(id.MethodLogins[k])})
		}
		out.Identities = append(out.Identities, a)
	}
	slices.SortFunc(out.Identities, func(a, b api.AuditIdentityActivity) int { return cmp.Compare(a.Identity, b.Identity) })
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// minuteLayout writes instants in reports: "2026-12-05T10:00Z".
const minuteLayout = "2006-01-02T15:04Z"

func formatLogin(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(minuteLayout)
}
