// Package tfutil holds what every resource and data source shares: the
// configured client, the CRUD bodies of resources, error-to-diagnostic
// translation and value conversions.
package tfutil

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/idplane/idplane/server/api"
)

// Client is what the provider hands to resources, data sources and
// ephemeral resources.
type Client struct {
	API *api.Client
	// Host and Options (user agent, logging) build further clients that log
	// in as someone else (the ephemeral idplane_access_token).
	Host    string
	Options []api.Option
}

// With returns a new API client for the same server with creds.
func (c *Client) With(creds api.Option) (*api.Client, error) {
	return api.NewClient(c.Host, append(append([]api.Option{}, c.Options...), creds)...)
}

// ClientFrom extracts the configured client from ProviderData; nil data
// (before configuration, e.g. during validation) yields nil without error.
func ClientFrom(data any, diags *diag.Diagnostics) *Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*Client)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *tfutil.Client, got %T; this is a bug in the provider", data))
		return nil
	}
	return c
}

// AddAPIError turns an API error into one diagnostic that names what was
// being done and, for a version mismatch, tells the user how to recover.
func AddAPIError(diags *diag.Diagnostics, action string, err error) {
	var p *api.Problem
	if errors.As(err, &p) {
		switch p.Status {
		case http.StatusPreconditionFailed:
			diags.AddError("Object changed outside Terraform",
				fmt.Sprintf("Could not %s: the object was modified outside Terraform since it was last read. Run `terraform refresh` (or `terraform apply -refresh-only`), review the change, and apply again.\n\nServer: %s", action, p.Detail))
			return
		case http.StatusBadRequest:
			msg := p.Detail
			for _, f := range p.Errors {
				msg += fmt.Sprintf("\n  - %s: %s", f.Field, f.Message)
			}
			diags.AddError("Invalid request", fmt.Sprintf("Could not %s: %s", action, msg))
			return
		}
		diags.AddError(fmt.Sprintf("Could not %s", action), fmt.Sprintf("%s (HTTP %d, code %s)", p.Detail, p.Status, p.Code))
		return
	}
	diags.AddError(fmt.Sprintf("Could not %s", action), err.Error())
}
