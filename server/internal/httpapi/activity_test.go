package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/identityaudit"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/servertest"
)

// Defined versus used: after logins and a flush of what the replica noted,
// the live audit shows each identity's last login (overall and per auth
// method) and the month's active identities, in JSON and in text, and
// /metrics exports the same. An identity that never logged in says never.
func TestLoginActivityInAuditAndMetrics(t *testing.T) {
	secBackends(t, servertest.Options{}, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		admin := srv.Admin(t) // logs the bootstrapped admin in
		worker := must(admin.CreateIdentity(ctx, api.IdentityInput{Name: "worker", Role: "member"}))(t)
		idle := must(admin.CreateIdentity(ctx, api.IdentityInput{Name: "idle", Role: "member"}))(t)
		for _, id := range []string{worker.ID, idle.ID} {
			must(admin.PutUniversalAuth(ctx, id, 0, api.UniversalAuthInput{}))(t)
		}
		ua := must(admin.GetUniversalAuth(ctx, worker.ID))(t)
		cs := must(admin.CreateClientSecret(ctx, worker.ID, api.ClientSecretInput{Description: "activity"}))(t)
		for range 3 {
			must(srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}))(t)
		}
		if err := srv.App.Activity.Flush(ctx); err != nil {
			t.Fatal(err)
		}

		a := must(admin.IdentityAudit(ctx, api.IdentityAuditQuery{}))(t)
		act := a.Activity
		if act == nil {
			t.Fatal("the live audit has no activity section")
		}
		month := store.ActivityMonth(time.Now())
		if act.Month != month || act.DeclaredIdentities != 3 || act.MonthlyActiveIdentities != 2 {
			t.Errorf("activity %s: %d declared, %d monthly active; want %s, 3 and 2 (admin and worker)",
				act.Month, act.DeclaredIdentities, act.MonthlyActiveIdentities, month)
		}
		byName := map[string]api.AuditIdentityActivity{}
		for _, x := range act.Identities {
			byName[x.Identity] = x
		}
		w := byName["worker"]
		if w.LastLoginAt == nil || len(w.AuthMethods) != 1 || w.AuthMethods[0].AuthMethod != "universal-auth" ||
			w.AuthMethods[0].LastLoginAt == nil || !w.AuthMethods[0].LastLoginAt.Equal(*w.LastLoginAt) {
			t.Errorf("worker's activity %+v: want a last login, with universal-auth", w)
		}
		if i := byName["idle"]; i.LastLoginAt != nil || len(i.AuthMethods) != 1 || i.AuthMethods[0].LastLoginAt != nil {
			t.Errorf("idle's activity %+v: want never, its universal auth never used", i)
		}
		var text bytes.Buffer
		if err := identityaudit.WriteText(&text, a, nil); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"monthly active identities: 2", "declared identities:       3",
			"idle  last login never  (universal-auth never)", "worker  last login " + w.LastLoginAt.UTC().Format("2006-01-02T15:04Z")} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text audit lacks %q:\n%s", want, text.String())
			}
		}

		status, _, body := get(t, srv.URL+"/metrics")
		if status != http.StatusOK {
			t.Fatalf("/metrics: %d", status)
		}
		org := srv.Bootstrap.OrganizationID
		for _, want := range []string{
			`idplane_machine_identities{organization_id="` + org + `"} 3`,
			`idplane_monthly_active_identities{month="` + month + `",organization_id="` + org + `"} 2`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		lastLogin := `idplane_identity_last_login_timestamp_seconds{auth_method="universal-auth",identity_id="` + worker.ID + `",organization_id="` + org + `"} `
		_, value, _ := strings.Cut(body, lastLogin)
		value, _, _ = strings.Cut(value, "\n")
		if v, err := strconv.ParseFloat(value, 64); err != nil || int64(v) != w.LastLoginAt.Unix() {
			t.Errorf("/metrics: worker's last login %q (%v), want %d", value, err, w.LastLoginAt.Unix())
		}
		if strings.Contains(body, idle.ID) {
			t.Errorf("/metrics has a last login for idle, which never logged in")
		}
	})
}
