package tfutil

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/idplane/idplane/server/api"
)

func TestAddAPIError(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"version mismatch asks for a refresh", api.NewProblem(http.StatusPreconditionFailed, api.CodeVersionMismatch, "now at version 4"),
			[]string{"changed outside Terraform", "terraform apply -refresh-only", "now at version 4"}},
		{"validation lists every field", &api.Problem{Status: 400, Code: api.CodeValidation, Detail: "bad", Errors: []api.FieldError{{Field: "permissions[0].actions[1]", Message: "unknown action"}}},
			[]string{"Invalid request", "permissions[0].actions[1]: unknown action"}},
		{"other problems keep status and code", api.NewProblem(http.StatusConflict, api.CodeConflict, "slug taken"),
			[]string{"Could not create project", "slug taken", "HTTP 409", "conflict"}},
		{"transport errors pass through", errors.New("connection refused"), []string{"connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			AddAPIError(&diags, "create project", tc.err)
			if len(diags) != 1 || !diags.HasError() {
				t.Fatalf("want exactly one error, got %v", diags)
			}
			text := diags[0].Summary() + "\n" + diags[0].Detail()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("diagnostic lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
