package identityaudit

import (
	"slices"
	"strings"
)

// production decides which environments are production: those whose slug
// or name has a word "prod" or "production" ("eu-prod", "Production", but
// not "preprod"), and those named by the --production-environments option.
type production struct {
	extra []string
	names map[[2]string]string // project slug, environment slug → name
}

func newProduction(extra []string, m *Model) production {
	p := production{extra: extra, names: map[[2]string]string{}}
	for _, proj := range m.Projects {
		for _, e := range proj.Environments {
			p.names[[2]string{proj.Slug, e.Slug}] = e.Name
		}
	}
	return p
}

// is reports whether environment slug of the project (by slug) is
// production. The unknown environment "*" may be any.
func (p production) is(project, slug string) bool {
	if slug == anyEnvironment || slices.Contains(p.extra, slug) {
		return true
	}
	return saysProd(slug) || saysProd(p.names[[2]string{project, slug}])
}

func saysProd(s string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if w == "prod" || w == "production" || w == "prd" {
			return true
		}
	}
	return false
}
