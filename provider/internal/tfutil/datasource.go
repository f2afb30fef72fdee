package tfutil

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

var (
	_ datasource.DataSourceWithConfigure        = &DataSource[struct{}]{}
	_ datasource.DataSourceWithConfigValidators = &DataSource[struct{}]{}
)

// DataSource is a read-only data source written once: a data source's
// constructor returns a *DataSource that keeps only what is its own, the
// type name, the schema, the client calls and the mapping of API objects to
// its model M.
//
// The contract of Read:
//   - the configuration is read into an M; on a diagnostic error nothing
//     else happens;
//   - Fetch calls the server with the configured client and returns the
//     model mapped from the server's answer (see Mapped), together with the
//     client's error, unchanged or wrapped by CouldNot;
//   - an error is reported with AddAPIError as "Could not read <Noun>", or
//     as "Could not <action>" when CouldNot wrapped it;
//   - otherwise, unless diags has an error, the returned model becomes the
//     state.
//
// A callback that finds a problem of its own (nothing has the configured
// name, a 404 it explains better than AddAPIError) adds it to diags, does
// not call the server after it, and returns a nil error. The model returned
// with an error, or with an error in diags, is ignored.
type DataSource[M any] struct {
	Suffix string // of the type name, after the provider's: "_project"
	Noun   string // what the data source reads, in messages: "project"

	Spec schema.Schema
	// Validators, when set, check the configuration as a whole
	// (datasourcevalidator.ExactlyOneOf).
	Validators []datasource.ConfigValidator

	// Fields, when set, maps attribute names to pointers into a model, as
	// in CRUD. Without it the model is read and written whole.
	Fields func(*M) map[string]any

	Fetch func(ctx context.Context, c *Client, cfg M, diags *diag.Diagnostics) (M, error)

	client *Client
}

// Metadata implements datasource.DataSource.
func (d *DataSource[M]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + d.Suffix
}

// Schema implements datasource.DataSource.
func (d *DataSource[M]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = d.Spec
}

// ConfigValidators implements datasource.DataSourceWithConfigValidators.
func (d *DataSource[M]) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return d.Validators
}

// Configure implements datasource.DataSourceWithConfigure.
func (d *DataSource[M]) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = ClientFrom(req.ProviderData, &resp.Diagnostics)
}

// Read implements datasource.DataSource.
func (d *DataSource[M]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	cfg := load(ctx, req.Config, d.Fields, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := d.Fetch(ctx, d.client, cfg, &resp.Diagnostics)
	action := "read " + d.Noun
	var a *actionError
	if errors.As(err, &a) {
		action, err = a.action, a.err
	}
	save(ctx, action, d.Fields, m, err, &resp.State, &resp.Diagnostics)
}

// CouldNot wraps err, unless it is nil, so that DataSource reports it as
// "Could not <action>": for a Fetch whose calls are better named by what
// they did ("list identities") or by the object they asked for than by
// "read <Noun>".
func CouldNot(action string, err error) error {
	if err == nil {
		return nil
	}
	return &actionError{action: action, err: err}
}

type actionError struct {
	action string
	err    error
}

func (e *actionError) Error() string { return "could not " + e.action + ": " + e.err.Error() }
func (e *actionError) Unwrap() error { return e.err }
