package methodhost

import (
	"encoding/json"
	"testing"

	"github.com/idplane/idplane/server/api"
)

func TestEmptyCollections(t *testing.T) {
	c := api.OIDCAuthConfig{OIDCDiscoveryURL: "https://idp.example.com", TokenBindings: api.TokenBindings{BoundAudiences: []string{"a"}}}
	emptyCollections(&c)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"oidcDiscoveryUrl":"https://idp.example.com","oidcCaCertificate":"","boundIssuer":"","boundAudiences":["a"],"boundSubject":"","boundClaims":{},"claimMetadata":{}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
