package httpapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
)

func TestDecodeBodyNamesTheOffendingMember(t *testing.T) {
	for _, tc := range []struct {
		name, body, field, message string
		into                       func() any
	}{
		{"names match exactly", `{"accessTokenTtl":600}`, "accessTokenTtl", "is not a field", func() any { return &api.UniversalAuthInput{} }},
		{"wrong type inside an array keeps the index", `{"roles":[{"roleSlug":"a"},{"roleSlug":1}]}`, "roles[1].roleSlug", "must be a string, got a number", func() any { return &api.ProjectMembershipInput{} }},
		{"unknown nested member keeps its parent", `{"lockout":{"enabeld":true}}`, "lockout.enabeld", "is not a field", func() any { return &api.UniversalAuthInput{} }},
		{"embedded settings use the JSON name", `{"accessTokenTTL":"1h"}`, "accessTokenTTL", "must be a number, got a string", func() any { return &api.UniversalAuthInput{} }},
		{"duplicate names are refused", `{"name":"a","name":"b"}`, "name", "more than once", func() any { return &api.ProjectInput{} }},
		{"times are RFC 3339", `{"roles":[{"roleSlug":"a","temporaryAccess":{"startTime":"tomorrow","durationSeconds":5}}]}`, "roles[0].temporaryAccess.startTime", "RFC 3339", func() any { return &api.ProjectMembershipInput{} }},
		{"trailing data", `{"name":"a"} {}`, "body", "invalid JSON", func() any { return &api.ProjectInput{} }},
		{"not an object", `[1]`, "body", "must be an object, got an array", func() any { return &api.ProjectInput{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeBody(httptest.NewRequest("POST", "/", strings.NewReader(tc.body)), tc.into(), true)
			var p *api.Problem
			if !errors.As(err, &p) || len(p.Errors) != 1 {
				t.Fatalf("want one field error, got %v", err)
			}
			if p.Errors[0].Field != tc.field || !strings.Contains(p.Errors[0].Message, tc.message) {
				t.Errorf("got %s: %s; want %s: …%s…", p.Errors[0].Field, p.Errors[0].Message, tc.field, tc.message)
			}
		})
	}
}

// Login bodies accept members we do not read, as Infisical's clients may send them.
func TestDecodeBodyLenientForLogin(t *testing.T) {
	var in api.UniversalAuthLoginRequest
	err := decodeBody(httptest.NewRequest("POST", "/", strings.NewReader(`{"clientId":"a","clientSecret":"b","organizationSlug":"x"}`)), &in, false)
	if err != nil || in.ClientID != "a" || in.ClientSecret != "b" {
		t.Fatalf("in=%+v err=%v", in, err)
	}
}
