package methodhost

import (
	"context"
	"errors"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/service"
)

// logIn is every login of a method kept here: load the identity's
// configuration, verify, and issue the token; a refusal is audited with its
// full reason and answered with the check that failed.
func logIn[C any](ctx context.Context, meta service.Meta, s *configs[C], identityID string, verify func(context.Context, methodconfig.Config[C]) (methodconfig.Verified, error)) (*api.LoginResponse, error) {
	cfg, err := s.ForLogin(ctx, identityID)
	if err == nil {
		var v methodconfig.Verified
		if v, err = verify(ctx, cfg); err == nil {
			return s.core.Issue(ctx, meta, service.Issue{OrgID: cfg.OrganizationID, IdentityID: cfg.IdentityID,
				Method: s.kind.Name, MethodID: cfg.ID, Settings: cfg.Settings, Subject: v.Subject, Metadata: v.Metadata}, service.Writes{})
		}
	}
	var le *login.Error
	if errors.As(err, &le) {
		if werr := s.core.RecordFailedLogin(ctx, meta, cfg.OrganizationID, cfg.IdentityID, s.kind.Name, le.Reason, nil, service.Writes{}); werr != nil {
			return nil, werr
		}
	}
	return nil, err
}
