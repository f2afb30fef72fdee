package service

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/internal/token"
)

// LoadSigner returns a signer over every stored signing key, creating the
// first key when there is none. Keys are shared by all replicas through the
// database and encrypted there with the master key.
func LoadSigner(ctx context.Context, st *store.Store, keys *secret.Keys, issuer string) (*token.Signer, error) {
	db := st.DB.WithContext(ctx)
	var rows []store.SigningKey
	if err := db.Order("created_at").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	if len(rows) == 0 {
		kp, err := token.NewKeyPair()
		if err != nil {
			return nil, err
		}
		enc, err := keys.Encrypt(kp.Private, "signing-key:"+kp.ID)
		if err != nil {
			return nil, fmt.Errorf("encrypt signing key: %w", err)
		}
		row := store.SigningKey{ID: kp.ID, PrivateKey: enc, CreatedAt: kp.CreatedAt}
		if err := db.Create(&row).Error; err != nil {
			return nil, fmt.Errorf("store signing key: %w", err)
		}
		// Another replica may have created one at the same moment: read
		// back everything so all replicas trust the same set.
		if err := db.Order("created_at").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load signing keys: %w", err)
		}
	}
	pairs := make([]token.KeyPair, 0, len(rows))
	for _, r := range rows {
		priv, err := keys.Decrypt(r.PrivateKey, "signing-key:"+r.ID)
		if errors.Is(err, secret.ErrDecrypt) {
			return nil, fmt.Errorf("signing key %s cannot be decrypted: is this the master key the database was created with?", r.ID)
		}
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, token.KeyPair{ID: r.ID, Private: ed25519.PrivateKey(priv), CreatedAt: r.CreatedAt})
	}
	return token.NewSigner(issuer, pairs...)
}
