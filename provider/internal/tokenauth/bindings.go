package tokenauth

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

// bindings are the claim checks OIDC and JWT auth share; their models
// embed it by value.
type bindings struct {
	BoundIssuer    types.String `tfsdk:"bound_issuer"`
	BoundAudiences types.Set    `tfsdk:"bound_audiences"`
	BoundSubject   types.String `tfsdk:"bound_subject"`
	BoundClaims    types.Map    `tfsdk:"bound_claims"`
	ClaimMetadata  types.Map    `tfsdk:"claim_metadata"`
}

// globsType is the type of bound_claims' values.
var globsType = types.SetType{ElemType: types.StringType}

func bindingsFromAPI(b api.TokenBindings) bindings {
	claims := make(map[string]attr.Value, len(b.BoundClaims))
	for claim, globs := range b.BoundClaims {
		claims[claim] = tfutil.StringSet(globs)
	}
	return bindings{
		BoundIssuer:    types.StringValue(b.BoundIssuer),
		BoundAudiences: tfutil.StringSet(b.BoundAudiences),
		BoundSubject:   types.StringValue(b.BoundSubject),
		BoundClaims:    types.MapValueMust(globsType, claims),
		ClaimMetadata:  tfutil.StringMap(b.ClaimMetadata),
	}
}

func (b bindings) toAPI(ctx context.Context, diags *diag.Diagnostics) api.TokenBindings {
	claims := map[string][]string{}
	if !b.BoundClaims.IsNull() && !b.BoundClaims.IsUnknown() {
		sets := map[string]types.Set{}
		diags.Append(b.BoundClaims.ElementsAs(ctx, &sets, false)...)
		for claim, globs := range sets {
			claims[claim] = sortedStrings(ctx, globs, diags)
		}
	}
	return api.TokenBindings{
		BoundIssuer:    b.BoundIssuer.ValueString(),
		BoundAudiences: sortedStrings(ctx, b.BoundAudiences, diags),
		BoundSubject:   b.BoundSubject.ValueString(),
		BoundClaims:    claims,
		ClaimMetadata:  tfutil.Map(ctx, b.ClaimMetadata, diags),
	}
}

// bindingAttributes are the schema of bindings, with the method's own
// attributes added.
func bindingAttributes(own map[string]schema.Attribute) map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"bound_issuer": optionalString("Exact `iss` a token must carry. Empty: " +
			"any issuer the configured keys verify (OIDC: the discovery document's issuer)."),
		"bound_audiences": optionalSet("Audiences of which a token's `aud` must contain one. Empty: " +
			"only tokens without an audience are accepted, so set it for any identity provider that always sets one (GitHub Actions, GitLab CI, Kubernetes)."),
		"bound_subject": optionalString("Glob the token's `sub` must match, `*` standing for any run of characters. Empty: any subject.",
			validators.Optional(validators.BindingGlob())),
		"bound_claims": schema.MapAttribute{
			ElementType: globsType,
			Optional:    true, Computed: true,
			Default: mapdefault.StaticValue(types.MapValueMust(globsType, map[string]attr.Value{})),
			MarkdownDescription: fmt.Sprintf("Claims a token must carry, each matching one of its globs (`*` stands for any run of characters): "+
				"a map from a claim name, or a dotted path into nested claims such as `google.compute_engine.project_id`, to a set of globs. "+
				"A list claim matches if any of its elements does. At most %d claims of at most %d globs.", api.MaxBindingEntries, api.MaxBindingGlobs),
			Validators: []validator.Map{
				mapvalidator.KeysAre(validators.ClaimPath()),
				mapvalidator.ValueSetsAre(setvalidator.ValueStringsAre(validators.BindingGlob())),
			},
		},
		"claim_metadata": schema.MapAttribute{
			ElementType: types.StringType,
			Optional:    true, Computed: true,
			Default: mapdefault.StaticValue(tfutil.StringMap(nil)),
			MarkdownDescription: fmt.Sprintf("Claims copied into the access token's metadata, shown by `token/self` and in the login's audit event: "+
				"a map from a metadata key (a letter, then letters, digits, `_` and `-`, at most %d characters) to a claim name or dotted path. "+
				"Claims that are absent or not a string, number or boolean are left out. At most %d entries.", api.MaxClaimMetadataKey, api.MaxBindingEntries),
			Validators: []validator.Map{mapvalidator.ValueStringsAre(validators.ClaimPath())},
		},
	}
	maps.Copy(attrs, own)
	return attrs
}

// optionalString is a string that is empty unless set.
func optionalString(desc string, v ...validator.String) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
		MarkdownDescription: desc, Validators: v}
}

// allowAnyPrincipal is the explicit opt-in of AWS and GCP auth to bind no
// principal: without it a configuration whose lists bind nothing fails at
// plan time, naming the lists.
func allowAnyPrincipal(principal, lists string) schema.BoolAttribute {
	return schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
		MarkdownDescription: fmt.Sprintf("Admit any %s in the world: required (`true`) when neither %s is set, refused when one is. "+
			"`idplane audit` reports it as a high finding (`allow-any-principal`). Defaults to `false`.", principal, lists)}
}

// optionalSet is a set of strings that is empty unless set: an omitted
// set and the server's empty list agree, and neither makes a diff. Its
// size, like every limit the server's validation of the whole
// configuration checks, is checked at plan time by ValidateConfig.
func optionalSet(desc string, v ...validator.Set) schema.SetAttribute {
	return schema.SetAttribute{ElementType: types.StringType, Optional: true, Computed: true,
		Default:             setdefault.StaticValue(tfutil.StringSet(nil)),
		MarkdownDescription: fmt.Sprintf("%s At most %d entries; a set, so order does not matter.", desc, api.MaxBindingEntries),
		Validators:          v}
}
