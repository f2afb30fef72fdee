package httpapi

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/idplane/idplane/server/api"
)

// FuzzDecodeBody feeds arbitrary bytes to the strict decoder of every
// request type: it must never panic, and every rejection must be a 400
// problem that names a field.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"name":"web","role":"member","metadata":{"a":"b"}}`,
		`{"slug":"x","name":"X","permissions":[{"subject":"secrets","actions":["read"],"conditions":{"secretPaths":["/a/**"]}}]}`,
		`{"roles":[{"roleSlug":"admin","temporaryAccess":{"startTime":"2026-01-01T00:00:00Z","durationSeconds":60}}]}`,
		`{"accessTokenTTL":1,"accessTokenTrustedIps":["10.0.0.0/8","::1"],"lockout":{"enabled":true}}`,
		`{"name":1}`, `[]`, `{"unknown":true}`, `{"a":`, ``, `null`, `{} {}`,
		`{"roles":[{"temporaryAccess":{"startTime":"yesterday"}}]}`,
	} {
		f.Add([]byte(seed))
	}
	var bodies []reflect.Type
	for _, r := range api.Routes {
		if r.Body != nil {
			bodies = append(bodies, reflect.TypeOf(r.Body))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, typ := range bodies {
			v := reflect.New(typ).Interface()
			req := httptest.NewRequest("POST", "/", bytes.NewReader(data))
			err := decodeBody(req, v, true)
			if err == nil {
				if val, ok := v.(validator); ok {
					var errs api.FieldErrors
					val.Validate(&errs)
					err = errs.Err()
				}
			}
			if err == nil {
				continue
			}
			var p *api.Problem
			if !errors.As(err, &p) || p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field == "" {
				t.Fatalf("%s: rejection is not a 400 naming a field: %v", typ, err)
			}
		}
	})
}
