package methodconfig

import (
	"context"
	"errors"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/service"
)

// Verified is what a method's verifier learned about a workload that
// proved itself.
type Verified struct {
	// Subject names the workload in the method's terms (a token's sub, a
	// service account), for the audit event.
	Subject string
	// Metadata is copied into the access token, token/self and the audit
	// event (OIDC and JWT claim_metadata).
	Metadata map[string]string
}

// login is every login of a method stored here: load the identity's
// configuration, verify, and issue the token; a refusal is audited with its
// full reason and answered with the check that failed.
func login[C any](ctx context.Context, meta service.Meta, s *configs[C], identityID string, verify func(context.Context, Config[C]) (Verified, error)) (*api.LoginResponse, error) {
	cfg, err := s.ForLogin(ctx, identityID)
	if err == nil {
		var v Verified
		if v, err = verify(ctx, cfg); err == nil {
			return s.core.Issue(ctx, meta, service.Issue{OrgID: cfg.OrganizationID, IdentityID: cfg.IdentityID,
				Method: s.kind.Name, MethodID: cfg.ID, Settings: cfg.Settings, Subject: v.Subject, Metadata: v.Metadata}, service.Writes{})
		}
	}
	var le *service.LoginError
	if errors.As(err, &le) {
		if werr := s.core.RecordFailedLogin(ctx, meta, cfg.OrganizationID, cfg.IdentityID, s.kind.Name, le.Reason, nil, service.Writes{}); werr != nil {
			return nil, werr
		}
	}
	return nil, err
}
