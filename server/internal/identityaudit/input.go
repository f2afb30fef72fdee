package identityaudit

import (
	"io"

	"github.com/idplane/idplane/server/api"
)

// AuditTerraform audits `terraform show -json` output: a state, or a saved
// plan, whose audit is of the state it leads to with the change section
// comparing it with the state it starts from.
func AuditTerraform(r io.Reader, opts Options) (*api.IdentityAudit, error) {
	tf, err := ReadTerraform(r)
	if err != nil {
		return nil, err
	}
	after, err := Audit(tf.After, tf.Source, opts)
	if err != nil {
		return nil, err
	}
	if tf.Source == api.AuditSourcePlan {
		before, err := Audit(tf.Before, tf.Source, opts)
		if err != nil {
			return nil, err
		}
		Change(before, after)
	}
	return after.Audit, nil
}
