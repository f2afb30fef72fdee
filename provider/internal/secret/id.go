// Package secret is idplane_secret, a secret of a project's environment
// written through the secrets API, and the ephemeral idplane_secret, which
// reads one for the length of a Terraform run.
package secret

import (
	"fmt"
	"path"
	"strings"

	"github.com/idplane/idplane/server/api"
)

// place is where a secret is: the project (ID or slug, as configured), the
// environment's slug, the folder path and the key.
type place struct {
	project, environment, secretPath, key string
}

// id spells a place as the resource's ID and import ID:
// <project>/<environment>/<folders...>/<key>, e.g. webshop/staging/app/DB_URL
// for the key DB_URL in /app. Keys and slugs hold no "/", and folder paths
// are clean, so the spelling is unambiguous.
func (p place) id() string {
	return p.project + "/" + p.environment + path.Join(p.secretPath, p.key)
}

// importIDFormat is the import ID's documented shape.
const importIDFormat = "<project_id or slug>/<environment>/<secret_path without its leading />/<key>, " +
	"e.g. webshop/staging/app/DB_URL for the key DB_URL in /app, or webshop/staging/DB_URL in /"

// parseID reads an ID written by id, checking each part as the server would.
func parseID(s string) (place, error) {
	parts := strings.SplitN(s, "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return place{}, fmt.Errorf("expected %s, got %q", importIDFormat, s)
	}
	rest := "/" + parts[2]
	p := place{project: parts[0], environment: parts[1], secretPath: path.Dir(rest), key: path.Base(rest)}
	if err := api.ValidateSlug(p.environment); err != nil {
		return place{}, fmt.Errorf("environment %q in %q: %v", p.environment, s, err)
	}
	if err := api.ValidateSecretPath(rest); err != nil {
		return place{}, fmt.Errorf("secret path and key %q in %q: %v", rest, s, err)
	}
	if err := api.ValidateSecretKey(p.key); err != nil {
		return place{}, fmt.Errorf("key %q in %q: %v", p.key, s, err)
	}
	return p, nil
}
