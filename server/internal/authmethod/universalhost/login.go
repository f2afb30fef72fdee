package universalhost

import (
	"context"
	"errors"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/universal"
	"github.com/idplane/idplane/server/internal/service"
)

// login exchanges a client ID and secret for an access token. Every outcome
// is audited; no failure tells the caller more than "failed".
func (u host) login(ctx context.Context, meta service.Meta, in *api.UniversalAuthLoginRequest) (*api.LoginResponse, error) {
	var errs api.FieldErrors
	if in.ClientID == "" {
		errs.Add("clientId", "is required")
	}
	if in.ClientSecret == "" {
		errs.Add("clientSecret", "is required")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	res, row, failure, err := u.check(ctx, meta, in)
	if err != nil {
		var le *login.Error
		if errors.As(err, &le) {
			clientID := in.ClientID
			if len(clientID) > 64 {
				clientID = clientID[:64]
			}
			// The refusal's audit event and its lockout count share a group
			// commit with other logins, as a success's token does.
			if werr := u.core.RecordFailedLogin(ctx, meta, row.OrganizationID, row.IdentityID, universal.Kind, le.Reason,
				map[string]string{"clientId": clientID}, failure); werr != nil {
				return nil, werr
			}
		}
		return nil, err
	}
	return res, nil
}

// check verifies the client secret and, when it holds, issues the token;
// a refusal comes with what it must write beside its audit event.
func (u host) check(ctx context.Context, meta service.Meta, in *api.UniversalAuthLoginRequest) (*api.LoginResponse, universal.LoginRow, service.Writes, error) {
	var none service.Writes
	source := universal.LockoutSource(meta.IP)
	key := loginKey{prefix: u.core.Keys().Lookup(in.ClientSecret), source: source}
	now := u.core.Now()
	rows, cached := u.cache.get(in.ClientID, key, now, u.core.RevokedSince)
	if !cached {
		stored, err := u.repo.UniversalLoginRows(ctx, key.prefix, source, in.ClientID)
		if err != nil {
			return nil, universal.LoginRow{}, none, err
		}
		rows = make([]universal.LoginRow, len(stored))
		for i, r := range stored {
			rows[i] = universal.LoginRow(r)
		}
	}
	v := universal.Judge(universal.Attempt{Rows: rows, Secret: in.ClientSecret, IP: meta.IP, Source: source, Now: now, Equal: u.core.Keys().Equal})
	if v.Err != nil {
		switch {
		case len(v.Failure.Lockouts) > 0:
			// The source's lockout count changes: its rows are read again.
			u.cache.evictSource(in.ClientID, source)
		case !cached && (v.WrongSecret || len(rows) == 0):
			// Refused without changing anything (lockout off, or no such
			// client ID): the next guess from here reads no row either, so
			// a refusal costs no more than a login.
			u.cache.put(in.ClientID, key, rows, now)
		}
		return nil, v.UA, coreWrites(v.Failure), v.Err
	}
	writes, err := universal.Spend(ctx, u.repo.UseClientSecret, v, source)
	if err != nil {
		return nil, v.UA, none, err
	}
	if !cached {
		u.cache.put(in.ClientID, key, rows, now)
	}
	ua := v.UA
	settings := api.TokenSettings{AccessTokenTTL: ua.AccessTokenTTL, AccessTokenMaxTTL: ua.AccessTokenMaxTTL,
		AccessTokenNumUsesLimit: ua.AccessTokenNumUsesLimit, AccessTokenTrustedIPs: ua.AccessTokenTrustedIPs}
	res, err := u.core.Issue(ctx, meta, service.Issue{OrgID: ua.OrganizationID, IdentityID: ua.IdentityID, Method: universal.Kind,
		MethodID: ua.UaID, CredentialID: *v.Match.CsID, Settings: settings}, coreWrites(writes))
	return res, ua, none, err
}

// coreWrites are a verdict's writes as the core commits them.
func coreWrites(w universal.Writes) service.Writes {
	out := service.Writes{SecretUses: w.SecretUses}
	for _, l := range w.Lockouts {
		out.Lockouts = append(out.Lockouts, service.LockoutChange(l))
	}
	return out
}
