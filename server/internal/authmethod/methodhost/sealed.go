package methodhost

import (
	"fmt"

	"github.com/idplane/idplane/server/internal/service"
)

// sealedAAD binds a sealed value to its row.
func sealedAAD(rowID string) string { return "auth-method-config:" + rowID }

// seal returns how a Put changes cfg's secret for the repository: nil to
// keep it, else the sealing of the row it lands in (nil to remove it).
func (s *configs[C]) seal(cfg *C) func(rowID string) ([]byte, error) {
	if s.sealed == nil || s.sealed(cfg).Value == nil {
		return nil
	}
	v := *s.sealed(cfg).Value
	return func(rowID string) ([]byte, error) {
		if v == "" {
			return nil, nil
		}
		ct, err := s.core.Keys().Encrypt([]byte(v), sealedAAD(rowID))
		if err != nil {
			return nil, fmt.Errorf("seal %s secret: %w", s.kind.Noun, err)
		}
		return ct, nil
	}
}

// unseal decrypts the row's secret into cfg, for a login.
func (s *configs[C]) unseal(r service.MethodConfig, cfg *C) error {
	if s.sealed == nil || r.Sealed == nil {
		return nil
	}
	pt, err := s.core.Keys().Decrypt(r.Sealed, sealedAAD(r.ID))
	if err != nil {
		return fmt.Errorf("unseal %s secret of %s: %w", s.kind.Noun, r.ID, err)
	}
	v := string(pt)
	s.sealed(cfg).Value = &v
	return nil
}
