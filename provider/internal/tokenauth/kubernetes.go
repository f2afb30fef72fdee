package tokenauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

type kubernetesModel struct {
	base
	KubernetesHost             types.String `tfsdk:"kubernetes_host"`
	KubernetesCACertificate    types.String `tfsdk:"kubernetes_ca_certificate"`
	TokenReviewerJWT           types.String `tfsdk:"token_reviewer_jwt"`
	TokenReviewerJWTWO         types.String `tfsdk:"token_reviewer_jwt_wo"`
	TokenReviewerJWTWOVersion  types.Int64  `tfsdk:"token_reviewer_jwt_wo_version"`
	AllowedNamespaces          types.Set    `tfsdk:"allowed_namespaces"`
	AllowedServiceAccountNames types.Set    `tfsdk:"allowed_service_account_names"`
	AllowedAudience            types.String `tfsdk:"allowed_audience"`
}

// NewKubernetesAuthResource is the idplane_identity_kubernetes_auth resource.
func NewKubernetesAuthResource() resource.Resource {
	reviewerJWT := stringvalidator.LengthBetween(1, api.MaxReviewerJWTBytes)
	return newResource(method[kubernetesModel, api.KubernetesAuth, api.KubernetesAuthInput]{
		kind: "kubernetes", noun: "Kubernetes auth",
		description: "a pod logs in with its service account token, which the server sends to the cluster's TokenReview API " +
			"(`authentication.k8s.io/v1`) for the cluster to vouch for; the service account it names, `system:serviceaccount:<namespace>:<name>`, " +
			"is then checked against the allow-lists. Each empty allow-list admits any value: set at least `allowed_namespaces`.",
		attributes: map[string]schema.Attribute{
			"kubernetes_host": schema.StringAttribute{Required: true,
				MarkdownDescription: "URL of the cluster's API server, such as `https://kubernetes.example.com:6443`, reachable from the idplane server. " +
					"Its TLS certificate is always verified.",
				Validators: []validator.String{validators.HTTPSURL()}},
			"kubernetes_ca_certificate": optionalString("PEM-encoded CA certificates the API server's certificate chains to "+
				"(the cluster's `ca.crt`). Empty: the idplane server's roots.",
				validators.Optional(validators.CertificatesPEM())),
			"token_reviewer_jwt": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Token of a service account allowed to create TokenReviews (bound to `system:auth-delegator`), the bearer of the server's " +
					"TokenReview calls; stored encrypted and never returned by the API. Terraform keeps the configured value in its state, so a token " +
					"replaced outside Terraform is not detected; one removed outside Terraform is put back. Not set (nor `token_reviewer_jwt_wo`): " +
					"each login's own token is the bearer, so every service account that logs in needs `system:auth-delegator`. " +
					"Conflicts with `token_reviewer_jwt_wo`.",
				Validators: []validator.String{reviewerJWT, stringvalidator.ConflictsWith(path.MatchRoot("token_reviewer_jwt_wo"))}},
			"token_reviewer_jwt_wo": schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true,
				MarkdownDescription: "The reviewer's token as a write-only argument, never stored in Terraform's plan or state (Terraform 1.11 or OpenTofu 1.11 " +
					"and later); it can come from an ephemeral resource. Sent when the resource is created and whenever " +
					"`token_reviewer_jwt_wo_version` changes: change the version to send a new token.",
				Validators: []validator.String{reviewerJWT, stringvalidator.AlsoRequires(path.MatchRoot("token_reviewer_jwt_wo_version"))}},
			"token_reviewer_jwt_wo_version": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Version of `token_reviewer_jwt_wo`; any change sends its current value to the server.",
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("token_reviewer_jwt_wo"))}},
			"allowed_namespaces":            optionalSet("Namespaces whose service accounts may log in, or globs of them such as `ci-*`. Empty: any."),
			"allowed_service_account_names": optionalSet("Names of the service accounts that may log in, or globs of them, in any allowed namespace. Empty: any."),
			"allowed_audience": optionalString("Audience the TokenReview asks for and the token must carry, such as `idplane` for a projected token " +
				"requested with that audience. Empty: the API server's own audience."),
		},
		fromAPI: func(a *api.KubernetesAuth) kubernetesModel {
			return kubernetesModel{base: baseFromAPI(a.AuthMethodBase), KubernetesHost: types.StringValue(a.KubernetesHost),
				KubernetesCACertificate: types.StringValue(a.KubernetesCACertificate),
				TokenReviewerJWT:        types.StringNull(), TokenReviewerJWTWO: types.StringNull(), TokenReviewerJWTWOVersion: types.Int64Null(),
				AllowedNamespaces:          tfutil.StringSet(a.AllowedNamespaces),
				AllowedServiceAccountNames: tfutil.StringSet(a.AllowedServiceAccountNames),
				AllowedAudience:            types.StringValue(a.AllowedAudience)}
		},
		// The API answers only whether a reviewer token is stored: the
		// configured one is kept, unless the server has none any more.
		keep: func(prior kubernetesModel, a *api.KubernetesAuth, m *kubernetesModel) {
			if a.TokenReviewerJWTSet {
				m.TokenReviewerJWT, m.TokenReviewerJWTWOVersion = prior.TokenReviewerJWT, prior.TokenReviewerJWTWOVersion
			}
		},
		input: func(ctx context.Context, m kubernetesModel, ts api.TokenSettingsInput, diags *diag.Diagnostics) api.KubernetesAuthInput {
			in := api.KubernetesAuthInput{TokenSettingsInput: ts, KubernetesAuthConfig: api.KubernetesAuthConfig{
				KubernetesHost: m.KubernetesHost.ValueString(), KubernetesCACertificate: m.KubernetesCACertificate.ValueString(),
				AllowedNamespaces:          sortedStrings(ctx, m.AllowedNamespaces, diags),
				AllowedServiceAccountNames: sortedStrings(ctx, m.AllowedServiceAccountNames, diags),
				AllowedAudience:            m.AllowedAudience.ValueString()}}
			switch {
			case !m.TokenReviewerJWT.IsNull():
				in.TokenReviewerJWT = m.TokenReviewerJWT.ValueStringPointer()
			case m.TokenReviewerJWTWOVersion.IsNull():
				in.TokenReviewerJWT = new(string) // none configured: remove the stored one
			}
			return in
		},
		// The write-only token is sent on create and when its version changes;
		// otherwise the server keeps the one it has.
		writeOnly: func(cfg, plan kubernetesModel, state *kubernetesModel, in *api.KubernetesAuthInput) {
			if cfg.TokenReviewerJWTWO.IsNull() {
				return
			}
			if state == nil || !state.TokenReviewerJWTWOVersion.Equal(plan.TokenReviewerJWTWOVersion) {
				in.TokenReviewerJWT = cfg.TokenReviewerJWTWO.ValueStringPointer()
			}
		},
		validate: (*api.KubernetesAuthInput).Validate,
		get:      (*api.Client).GetKubernetesAuth, put: (*api.Client).PutKubernetesAuth, remove: (*api.Client).DeleteKubernetesAuth,
	})
}
