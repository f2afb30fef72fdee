package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/idplane/idplane/server/api"
)

// decodeBody reads one JSON object into v. Names match exactly (encoding/json
// would take "accessTokenTtl" for "accessTokenTTL"), duplicate names are
// refused, and every error names the JSON path of the offending member,
// e.g. roles[0].roleSlug. Management routes also refuse unknown members so a
// typo never silently does nothing; login routes accept them, as Infisical's
// clients may send more than we read.
func decodeBody(r *http.Request, v any, strict bool) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return api.NewProblem(http.StatusBadRequest, api.CodeValidation, "request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fieldError("body", "a JSON object is required")
	}
	if err := json.Unmarshal(body, v, json.RejectUnknownMembers(strict)); err != nil {
		return jsonError(err)
	}
	return nil
}

// isForm reports whether the request body is form-encoded.
func isForm(r *http.Request) bool {
	t, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && t == "application/x-www-form-urlencoded"
}

// decodeForm reads a form-encoded body (RFC 7662 introspection) into v as
// decodeBody would read the JSON object of the same names with string
// values: unknown names are refused when strict, a name given twice is.
func decodeForm(r *http.Request, v any, strict bool) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return api.NewProblem(http.StatusBadRequest, api.CodeValidation, "request body could not be read")
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return fieldError("body", "invalid form encoding")
	}
	obj := make(map[string]string, len(values))
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if len(values[name]) > 1 {
			return fieldError(name, "is given more than once")
		}
		obj[name] = values[name][0]
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return fieldError("body", "invalid form encoding")
	}
	if err := json.Unmarshal(b, v, json.RejectUnknownMembers(strict)); err != nil {
		return jsonError(err)
	}
	return nil
}

func fieldError(field, format string, args ...any) error {
	return (&api.FieldErrors{{Field: field, Message: fmt.Sprintf(format, args...)}}).Err()
}

func jsonError(err error) error {
	var (
		sem *json.SemanticError
		syn *jsontext.SyntacticError
	)
	switch {
	case errors.As(err, &sem):
		field := fieldPath(sem.JSONPointer)
		switch {
		case errors.Is(sem.Err, json.ErrUnknownName):
			return fieldError(field, "is not a field of this request")
		case errors.As(sem.Err, new(*time.ParseError)):
			return fieldError(field, "must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
		case sem.GoType != nil:
			return fieldError(field, "must be %s, got %s", goKind(sem.GoType.Kind().String()), jsonKind(sem.JSONKind))
		}
		return fieldError(field, "is invalid")
	case errors.As(err, &syn):
		if errors.Is(syn.Err, jsontext.ErrDuplicateName) {
			return fieldError(fieldPath(syn.JSONPointer), "is given more than once")
		}
		return fieldError("body", "invalid JSON at byte %d", syn.ByteOffset)
	}
	return fieldError("body", "invalid JSON")
}

// fieldPath turns a JSON pointer ("/roles/0/roleSlug") into the path the
// rest of the API uses ("roles[0].roleSlug"); the document itself is "body".
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

func goKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice", kind == "array":
		return "an array"
	}
	return "an object"
}

func jsonKind(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "something else"
}
