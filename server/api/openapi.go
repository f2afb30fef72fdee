//go:generate go run ../internal/openapi/gen openapi.json

package api

import _ "embed"

// OpenAPIDocument is the OpenAPI 3 description of the API, generated from
// Routes by `go generate ./server/...` and checked by a test.
//
//go:embed openapi.json
var OpenAPIDocument []byte
