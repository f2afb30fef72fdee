package secret

import (
	"strings"
	"testing"
)

// The import ID names the project, environment, folder path and key, and
// reads back into the same place; anything else is refused with the form.
func TestID(t *testing.T) {
	for _, p := range []place{
		{project: "webshop", environment: "staging", secretPath: "/", key: "DB_URL"},
		{project: "0193a3c1-9a10-7d2e-8b3c-4d5e6f708192", environment: "prod", secretPath: "/app/db", key: "PASSWORD"},
		{project: "p", environment: "dev", secretPath: "/a:b/c d", key: "k.v-1"},
	} {
		got, err := parseID(p.id())
		if err != nil || got != p {
			t.Errorf("parseID(%q) = %+v, %v; want %+v", p.id(), got, err, p)
		}
	}
	if id := (place{project: "webshop", environment: "staging", secretPath: "/app", key: "K"}).id(); id != "webshop/staging/app/K" {
		t.Errorf("id = %q", id)
	}
	for id, want := range map[string]string{
		"webshop/staging":          "expected <project_id or slug>/<environment>/",
		"webshop//K":               "expected <project_id or slug>/<environment>/",
		"/staging/K":               "expected <project_id or slug>/<environment>/",
		"webshop/Staging/K":        `environment "Staging"`,
		"webshop/staging/app//K":   "not an absolute, clean path",
		"webshop/staging/app/../K": "not an absolute, clean path",
		"webshop/staging/app/":     "not an absolute, clean path",
		"webshop/staging/app/9K":   `key "9K"`,
	} {
		if _, err := parseID(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseID(%q): %v, want an error containing %q", id, err, want)
		}
	}
}
