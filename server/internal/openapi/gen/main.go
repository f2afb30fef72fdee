// Command gen writes the OpenAPI document of the API to the file named by
// its argument:
//
//	go run ./server/internal/openapi/gen server/api/openapi.json
//
// It runs from `go generate ./server/api/`.
package main

import (
	"fmt"
	"os"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/openapi"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen <output path>")
		os.Exit(2)
	}
	doc, err := openapi.Build(api.Routes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], doc, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
