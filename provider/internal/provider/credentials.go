package provider

import (
	"context"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

// authBlock is the attribute of the provider's auth block that configures
// one client login method (an entry of api.Logins), named as it is.
type authBlock struct {
	name   string
	schema schema.Attribute
	// attrs maps the variables the method reads to the block's attributes;
	// a single string attribute (auth.token) maps its one variable to "".
	attrs map[string]string
	// selectedBy says which variables choose the method without the block,
	// for the error when nothing says how to log in; blocks in a row
	// saying the same are named together. Empty: IDPLANE_AUTH_METHOD.
	selectedBy string
	// identityIs ends "the identity whose <name> auth ...", when the
	// identity ID is missing. Empty: "the provider logs in with.".
	identityIs string
}

// authBlocks are the provider's login methods, in the order of
// api.Logins. A new method is one file declaring its block, and a line
// here.
var authBlocks = []authBlock{
	universalBlock,
	tokenBlock,
	oidcBlock,
	jwtBlock,
	kubernetesBlock,
	awsBlock,
	tlsCertBlock,
}

func lookupBlock(name string) (authBlock, bool) {
	for _, b := range authBlocks {
		if b.name == name {
			return b, true
		}
	}
	return authBlock{}, false
}

// blockNames lists the blocks as "auth.a, auth.b <last> auth.c", or
// "`a`, `b` <last> `c`" with quote "`".
func blockNames(quote, last string) string {
	names := make([]string, len(authBlocks))
	for i, b := range authBlocks {
		names[i] = quote + b.name + quote
		if quote == "" {
			names[i] = "auth." + b.name
		}
	}
	return api.JoinList(names, last)
}

func authSchema() schema.SingleNestedAttribute {
	attrs := make(map[string]schema.Attribute, len(authBlocks))
	for _, b := range authBlocks {
		attrs[b.name] = b.schema
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "How the provider authenticates: exactly one of " + blockNames("`", "and") + ". Without it, " +
			"`IDPLANE_AUTH_METHOD` (" + blockNames("`", "or") + ") chooses, or else the variables present do: " +
			"`IDPLANE_CLIENT_ID`/`IDPLANE_CLIENT_SECRET`, then `IDPLANE_TOKEN`, then `IDPLANE_IDENTITY_ID` with an OIDC token " +
			"(`IDPLANE_OIDC_TOKEN`, `IDPLANE_OIDC_TOKEN_FILE` or GitHub Actions' ID-token endpoint).",
		Attributes: attrs,
	}
}

func identityIDAttribute(method string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true,
		MarkdownDescription: "ID of the identity to log in as, whose `idplane_identity_" + method + "_auth` trusts this workload. Defaults to `IDPLANE_IDENTITY_ID`."}
}

// settings are the block's settings in v, the block's value, and whether
// the block is set.
func (b authBlock) settings(v attr.Value) (api.Settings, bool) {
	if v == nil || v.IsNull() {
		return nil, false
	}
	s := api.Settings{}
	for env, a := range b.attrs {
		var val attr.Value = v
		if o, ok := v.(types.Object); ok {
			val = o.Attributes()[a]
		}
		if str, ok := val.(types.String); ok {
			s[env] = str.ValueString()
		}
	}
	return s, true
}

// attrName names the attribute of variable env in messages, e.g.
// auth.tls_cert.cert_file.
func (b authBlock) attrName(env string) string {
	if a := b.attrs[env]; a != "" {
		return "auth." + b.name + "." + a
	}
	return "auth." + b.name
}

// attrPath is the path of the attribute of variable env.
func (b authBlock) attrPath(env string) path.Path {
	p := path.Root("auth").AtName(b.name)
	if a := b.attrs[env]; a != "" {
		p = p.AtName(a)
	}
	return p
}

// credentialsFrom chooses how the provider logs in: the one auth block set
// names the method and supplies the settings it overrides, and
// api.Credentials.Resolve takes the rest from the IDPLANE_* variables by
// the rules `idplane audit` follows too. It returns the client option, the
// method's name and, for a method that needs one (tls_cert), the HTTP
// client option every client of the server must use.
func credentialsFrom(ctx context.Context, auth types.Object, diags *diag.Diagnostics) (api.Option, string, api.Option) {
	creds, ok := credentials(auth, diags)
	if !ok {
		return nil, "", nil
	}
	login, err := creds.Resolve(ctx)
	if err != nil {
		errs := []error{err}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			errs = joined.Unwrap()
		}
		for _, err := range errs {
			addCredentialsError(diags, err)
		}
		return nil, "", nil
	}
	return login.Option, login.Method, login.Transport
}

// credentials are the settings of the auth block set, if any; two blocks
// set are an error.
func credentials(auth types.Object, diags *diag.Diagnostics) (api.Credentials, bool) {
	var c api.Credentials
	var set []string
	for _, b := range authBlocks {
		if s, ok := b.settings(auth.Attributes()[b.name]); ok {
			set = append(set, "auth."+b.name)
			c = api.Credentials{Method: b.name, Settings: s}
		}
	}
	if len(set) > 1 {
		diags.AddAttributeError(path.Root("auth"), "Conflicting idplane credentials",
			"Set exactly one of "+blockNames("", "and")+"; this configuration sets "+strings.Join(set, ", ")+".")
		return c, false
	}
	return c, true
}

// missingTitles are the summaries of the problems of a setting left out.
var missingTitles = map[api.CredentialsProblem]string{
	api.MissingClientCredentials: "Missing universal auth credentials",
	api.MissingToken:             "Missing access token",
	api.MissingClientCertificate: "Missing client certificate",
}

// invalidTitles are the summaries of the problems of a setting that does
// not load.
var invalidTitles = map[api.CredentialsProblem]string{
	api.InvalidCAFile:            "Invalid CA file",
	api.InvalidClientCertificate: "Invalid client certificate",
	api.InvalidAWSConfiguration:  "Invalid AWS configuration",
}

// addCredentialsError says what the credentials lack, naming the auth
// block's attributes beside the variables.
func addCredentialsError(diags *diag.Diagnostics, err error) {
	var e *api.CredentialsError
	if !errors.As(err, &e) {
		diags.AddError("Invalid idplane credentials", err.Error())
		return
	}
	b, _ := lookupBlock(e.Method)
	block := path.Root("auth").AtName(e.Method)
	names := make([]string, len(e.Vars))
	for i, v := range e.Vars {
		names[i] = b.attrName(v)
	}
	switch p := e.Problem; {
	case p == api.NoCredentials:
		diags.AddAttributeError(path.Root("auth"), "Missing idplane credentials", "Set one of "+noCredentialsHint()+".")
	case p == api.UnknownMethod:
		diags.AddError("Invalid IDPLANE_AUTH_METHOD", e.Error()+".")
	case missingTitles[p] != "":
		sep := " or "
		if len(names) > 1 {
			sep = ", or "
		}
		diags.AddAttributeError(block, missingTitles[p], "Set "+strings.Join(names, " and ")+sep+strings.Join(e.Vars, " and ")+".")
	case p == api.MissingIdentity:
		is := b.identityIs
		if is == "" {
			is = "the provider logs in with."
		}
		diags.AddAttributeError(b.attrPath(api.EnvIdentityID), "Missing identity ID",
			"Set "+b.attrName(api.EnvIdentityID)+" or "+api.EnvIdentityID+" to the ID of the identity whose "+e.Method+" auth "+is)
	case p == api.ConflictingTokenSources:
		diags.AddAttributeError(block, "Conflicting token settings", "Set "+strings.Join(names, " or ")+", not both.")
	case p == api.MissingTokenSource:
		for i := range names {
			names[i] += " (" + e.Vars[i] + ")"
		}
		diags.AddAttributeError(block, "Missing token", "Set "+strings.Join(names, " or ")+", or run inside GitHub Actions "+
			"with `permissions: id-token: write` so that the provider can request the token itself.")
	case invalidTitles[p] != "" && len(e.Vars) == 1:
		diags.AddAttributeError(b.attrPath(e.Vars[0]), invalidTitles[p], e.Error())
	case invalidTitles[p] != "":
		diags.AddAttributeError(block, invalidTitles[p], e.Error())
	default:
		diags.AddError("Invalid idplane credentials", e.Error())
	}
}

// noCredentialsHint names every block with the variables that choose its
// method without it: "auth.universal (or ...), ..., auth.kubernetes,
// auth.aws or auth.tls_cert (or IDPLANE_AUTH_METHOD with
// IDPLANE_IDENTITY_ID)".
func noCredentialsHint() string {
	var groups []string
	for i := 0; i < len(authBlocks); {
		hint := authBlocks[i].hint()
		var names []string
		for ; i < len(authBlocks) && authBlocks[i].hint() == hint; i++ {
			names = append(names, "auth."+authBlocks[i].name)
		}
		groups = append(groups, api.JoinList(names, "or")+" (or "+hint+")")
	}
	return strings.Join(groups, ", ")
}

func (b authBlock) hint() string {
	if b.selectedBy == "" {
		return "IDPLANE_AUTH_METHOD with IDPLANE_IDENTITY_ID"
	}
	return b.selectedBy
}

// unknownConfig reports whether any value of the provider block is not
// known yet.
func unknownConfig(cfg providerModel) bool {
	return cfg.Host.IsUnknown() || unknownValue(cfg.Auth)
}

func unknownValue(v attr.Value) bool {
	if v.IsUnknown() {
		return true
	}
	if o, ok := v.(types.Object); ok {
		for _, a := range o.Attributes() {
			if unknownValue(a) {
				return true
			}
		}
	}
	return false
}
