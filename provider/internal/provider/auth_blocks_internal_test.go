package provider

import (
	"maps"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/idplane/idplane/server/api"
)

// The seam between the client's logins and the provider's auth blocks:
// every entry of api.Logins has exactly one block, in the same order (the
// order the errors name them), and every block configures one entry; a
// block's attributes are exactly the variables its login reads. A login
// added to the client without a provider block, or a setting without its
// attribute, fails here; api's TestLoginsCoverServerMethods holds the
// logins to the server's methods.
func TestAuthBlocksCoverLogins(t *testing.T) {
	var logins, blocks []string
	for _, l := range api.Logins {
		logins = append(logins, l.Name)
	}
	for _, b := range authBlocks {
		blocks = append(blocks, b.name)
	}
	if !slices.Equal(logins, blocks) {
		t.Fatalf("provider auth blocks %v, client logins %v: want one block per login, in the same order", blocks, logins)
	}
	auth := authSchema().Attributes
	if got := slices.Sorted(maps.Keys(auth)); !slices.Equal(got, slices.Sorted(slices.Values(blocks))) {
		t.Errorf("auth attributes %v, want the blocks %v", got, blocks)
	}
	for i, l := range api.Logins {
		b := authBlocks[i]
		if got, want := slices.Sorted(maps.Keys(b.attrs)), slices.Sorted(slices.Values(l.Env)); !slices.Equal(got, want) {
			t.Errorf("auth.%s maps the variables %v; its login reads %v", b.name, got, want)
		}
		var attrs []string
		switch s := b.schema.(type) {
		case schema.SingleNestedAttribute:
			attrs = slices.Sorted(maps.Keys(s.Attributes))
		case schema.StringAttribute:
			attrs = []string{""}
		default:
			t.Errorf("auth.%s is a %T, want a block or a string", b.name, s)
		}
		if got := slices.Sorted(maps.Values(b.attrs)); !slices.Equal(got, attrs) {
			t.Errorf("auth.%s maps its variables to the attributes %q; its schema has %q", b.name, got, attrs)
		}
	}
}
