package validators

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/idplane/idplane/server/api"
)

// SecretKey accepts a secret key as the secrets API does.
func SecretKey() validator.String {
	return stringFunc{desc: "a secret key that " + api.SecretKeyRule, check: api.ValidateSecretKey}
}

// SecretPath accepts an absolute, clean folder path such as / or /db/api.
func SecretPath() validator.String {
	return stringFunc{desc: "an absolute, clean folder path such as / or /db/api", check: api.ValidateSecretPath}
}

// SecretValue accepts a secret value of at most api.MaxSecretValueBytes.
func SecretValue() validator.String {
	return stringFunc{desc: fmt.Sprintf("at most %d bytes (1 MiB)", api.MaxSecretValueBytes), check: func(s string) error {
		if len(s) > api.MaxSecretValueBytes {
			return fmt.Errorf("is %d bytes; a secret value may hold at most %d bytes (1 MiB)", len(s), api.MaxSecretValueBytes)
		}
		return nil
	}}
}

// SecretComment accepts a secret's comment of at most api.MaxSecretCommentLen bytes.
func SecretComment() validator.String {
	return stringFunc{desc: fmt.Sprintf("at most %d bytes", api.MaxSecretCommentLen), check: func(s string) error {
		if len(s) > api.MaxSecretCommentLen {
			return fmt.Errorf("must be at most %d bytes, got %d", api.MaxSecretCommentLen, len(s))
		}
		return nil
	}}
}
