package methodconfig

import (
	"fmt"

	"github.com/idplane/idplane/server/internal/store"
)

// Sealed is the secret part of a method's configuration (Kubernetes auth's
// token reviewer JWT): kept encrypted with the master key in the row's
// sealed column, outside the JSON document, and never answered by the API.
// A method opts in by giving C a Sealed field tagged `json:"-"` and naming
// it in Method.Seal.
type Sealed struct {
	// Value is, on Put, nil to keep the stored secret, "" to remove it or
	// the new secret; on a login, the decrypted secret ("" for none). It is
	// nil on every other read.
	Value *string
	// Stored reports whether a secret is stored.
	Stored bool
}

// sealedAAD binds a sealed value to its row.
func sealedAAD(rowID string) string { return "auth-method-config:" + rowID }

// sealInto adds the sealed column to a Put's columns when cfg's secret
// changes: encrypted, or NULL when removed.
func (s *configs[C]) sealInto(cols map[string]any, rowID string, cfg *C) error {
	if s.sealed == nil || s.sealed(cfg).Value == nil {
		return nil
	}
	switch v := s.sealed(cfg).Value; {
	case *v == "":
		cols["sealed"] = nil
	default:
		ct, err := s.core.Keys().Encrypt([]byte(*v), sealedAAD(rowID))
		if err != nil {
			return fmt.Errorf("seal %s secret: %w", s.noun, err)
		}
		cols["sealed"] = ct
	}
	return nil
}

// unseal decrypts the row's secret into cfg, for a login.
func (s *configs[C]) unseal(r store.AuthMethodConfig, cfg *C) error {
	if s.sealed == nil || r.Sealed == nil {
		return nil
	}
	pt, err := s.core.Keys().Decrypt(*r.Sealed, sealedAAD(r.ID))
	if err != nil {
		return fmt.Errorf("unseal %s secret of %s: %w", s.noun, r.ID, err)
	}
	v := string(pt)
	s.sealed(cfg).Value = &v
	return nil
}
