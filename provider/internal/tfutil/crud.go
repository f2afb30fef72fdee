package tfutil

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/idplane/idplane/server/api"
)

// CRUD is the body of a resource's Create, Read, Update and Delete, written
// once: each of those methods is a one-line call of DoCreate, DoRead,
// DoUpdate or DoDelete, and the resource keeps only what is its own, the
// client calls and the mapping of API objects to its model M.
//
// The contract, for every operation:
//   - the plan or state is read into an M; on a diagnostic error nothing
//     else happens;
//   - the callback calls the server and returns the model mapped from the
//     server's answer by the resource's one mapper (see Mapped), together
//     with the client's error, unchanged;
//   - an error is reported with AddAPIError as "Could not <verb> <Noun>",
//     except that for Read a 404, or an error wrapping ErrGone, removes the
//     resource from state, so the next plan creates it again, and that for
//     Delete a 404 is success;
//   - otherwise, unless diags has an error, the returned model becomes the
//     state (after Delete the framework clears it).
//
// A callback that finds a problem of its own (a value that does not
// convert, a condition it explains better than AddAPIError) adds it to
// diags, does not call the server after it, and returns a nil error. The
// model returned with an error, or with an error in diags, is ignored.
type CRUD[M any] struct {
	Noun string // what the resource manages, in messages: "project"

	// CreateVerb and DeleteVerb name Create and Delete in messages when
	// "create" and "delete" are not the right words ("attach", "revoke").
	CreateVerb, DeleteVerb string

	// Fields, when set, maps attribute names to pointers into a model: for
	// models whose attributes depend on the resource type and so cannot
	// carry tfsdk tags. Without it the model is read and written whole.
	Fields func(*M) map[string]any

	Create func(ctx context.Context, plan M, diags *diag.Diagnostics) (M, error)
	Read   func(ctx context.Context, state M, diags *diag.Diagnostics) (M, error)
	// Update is nil when every argument requires replacement; DoUpdate is
	// then unreachable and reports a provider bug if reached.
	Update func(ctx context.Context, plan, state M, diags *diag.Diagnostics) (M, error)
	Delete func(ctx context.Context, state M, diags *diag.Diagnostics) error
}

// DoCreate implements resource.Resource.Create.
func (c CRUD[M]) DoCreate(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan := load(ctx, req.Plan, c.Fields, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := c.Create(ctx, plan, &resp.Diagnostics)
	save(ctx, verb(c.CreateVerb, "create")+" "+c.Noun, c.Fields, m, err, &resp.State, &resp.Diagnostics)
}

// DoRead implements resource.Resource.Read.
func (c CRUD[M]) DoRead(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := load(ctx, req.State, c.Fields, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := c.Read(ctx, state, &resp.Diagnostics)
	if RemoveIfGone(ctx, err, &resp.State) {
		return
	}
	save(ctx, "read "+c.Noun, c.Fields, m, err, &resp.State, &resp.Diagnostics)
}

// DoUpdate implements resource.Resource.Update.
func (c CRUD[M]) DoUpdate(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if c.Update == nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Could not update %s", c.Noun),
			fmt.Sprintf("Every argument of a %s requires replacement, so an in-place update should never be planned. This is a bug in the provider.", c.Noun))
		return
	}
	plan := load(ctx, req.Plan, c.Fields, &resp.Diagnostics)
	state := load(ctx, req.State, c.Fields, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := c.Update(ctx, plan, state, &resp.Diagnostics)
	save(ctx, "update "+c.Noun, c.Fields, m, err, &resp.State, &resp.Diagnostics)
}

// DoDelete implements resource.Resource.Delete.
func (c CRUD[M]) DoDelete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state := load(ctx, req.State, c.Fields, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := c.Delete(ctx, state, &resp.Diagnostics); err != nil && !api.IsNotFound(err) {
		AddAPIError(&resp.Diagnostics, verb(c.DeleteVerb, "delete")+" "+c.Noun, err)
	}
}

// Mapped returns fromAPI(obj), or err when the call that returned obj
// failed; it spares callbacks a nil check before the mapper.
func Mapped[T, M any](obj *T, err error, fromAPI func(*T) M) (M, error) {
	if err != nil {
		var zero M
		return zero, err
	}
	return fromAPI(obj), nil
}

// load reads a plan, a state or a configuration into a model: whole, or
// through fields when they are given.
func load[M any](ctx context.Context, src interface {
	AttrGetter
	Get(context.Context, any) diag.Diagnostics
}, fields func(*M) map[string]any, diags *diag.Diagnostics) M {
	var m M
	if fields == nil {
		diags.Append(src.Get(ctx, &m)...)
	} else {
		diags.Append(GetAttrs(ctx, src, fields(&m))...)
	}
	return m
}

// save reports err as "Could not <action>", or sets the state to m, whole
// or through fields, if nothing went wrong.
func save[M any](ctx context.Context, action string, fields func(*M) map[string]any, m M, err error, state *tfsdk.State, diags *diag.Diagnostics) {
	if err != nil {
		AddAPIError(diags, action, err)
		return
	}
	if diags.HasError() {
		return
	}
	if fields == nil {
		diags.Append(state.Set(ctx, m)...)
	} else {
		diags.Append(SetAttrs(ctx, state, fields(&m))...)
	}
}

func verb(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
