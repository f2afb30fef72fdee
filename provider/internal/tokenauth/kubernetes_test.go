package tokenauth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/server/api"
)

const kubernetesAddr = "idplane_identity_kubernetes_auth.ci"

// kubernetesWalk changes cluster, bindings and reviewer token in place; the
// reviewer token, never answered, is kept from the configuration, and one
// removed outside Terraform is put back.
var kubernetesWalk = walk{
	kind: "kubernetes", noun: "Kubernetes auth",
	create: `
  kubernetes_host    = "https://kubernetes.example.com:6443"
  token_reviewer_jwt = "reviewer-1"
  allowed_namespaces = ["ci"]
`,
	created: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(kubernetesAddr, "kubernetes_ca_certificate", ""),
		resource.TestCheckResourceAttr(kubernetesAddr, "token_reviewer_jwt", "reviewer-1"),
		resource.TestCheckNoResourceAttr(kubernetesAddr, "token_reviewer_jwt_wo"),
		resource.TestCheckNoResourceAttr(kubernetesAddr, "token_reviewer_jwt_wo_version"),
		resource.TestCheckResourceAttr(kubernetesAddr, "allowed_namespaces.#", "1"),
		resource.TestCheckResourceAttr(kubernetesAddr, "allowed_service_account_names.#", "0"),
		resource.TestCheckResourceAttr(kubernetesAddr, "allowed_audience", ""),
	},
	update: fmt.Sprintf(`
  kubernetes_host               = "https://10.0.0.1"
  kubernetes_ca_certificate     = %q
  token_reviewer_jwt            = "reviewer-2"
  allowed_namespaces            = ["ci", "deploy-*"]
  allowed_service_account_names = ["terraform", "runner-*"]
  allowed_audience              = "idplane"
`, caPEM),
	reordered: fmt.Sprintf(`
  kubernetes_host               = "https://10.0.0.1"
  kubernetes_ca_certificate     = %q
  token_reviewer_jwt            = "reviewer-2"
  allowed_namespaces            = ["deploy-*", "ci"]
  allowed_service_account_names = ["runner-*", "terraform"]
  allowed_audience              = "idplane"
`, caPEM),
	updated: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(kubernetesAddr, "kubernetes_host", "https://10.0.0.1"),
		resource.TestCheckResourceAttr(kubernetesAddr, "kubernetes_ca_certificate", caPEM),
		resource.TestCheckResourceAttr(kubernetesAddr, "token_reviewer_jwt", "reviewer-2"),
		resource.TestCheckResourceAttr(kubernetesAddr, "allowed_namespaces.#", "2"),
		resource.TestCheckTypeSetElemAttr(kubernetesAddr, "allowed_namespaces.*", "deploy-*"),
		resource.TestCheckResourceAttr(kubernetesAddr, "allowed_service_account_names.#", "2"),
		resource.TestCheckResourceAttr(kubernetesAddr, "allowed_audience", "idplane"),
	},
	importIgnore: []string{"token_reviewer_jwt"},
	attach: func(ctx context.Context, c *api.Client, identityID string) error {
		_, err := c.PutKubernetesAuth(ctx, identityID, 0, api.KubernetesAuthInput{TokenReviewerJWT: new(string),
			KubernetesAuthConfig: api.KubernetesAuthConfig{KubernetesHost: "https://other.example.com", AllowedNamespaces: []string{"kube-system"}}})
		return err
	},
	get:    getter((*api.Client).GetKubernetesAuth),
	detach: (*api.Client).DeleteKubernetesAuth,
}

func TestKubernetesAuthResource(t *testing.T) { kubernetesWalk.run(t) }

func TestKubernetesAuthValidation(t *testing.T) {
	const host = `kubernetes_host = "https://kubernetes.example.com"` + "\n"
	planErrors(t, "kubernetes", [][2]string{
		{`kubernetes_host = "kubernetes.example.com:6443"`, `kubernetes_host: "kubernetes.example.com:6443" is not an https:// URL with a host`},
		{`kubernetes_host = "http://10.0.0.1"`, `kubernetes_host: "http://10.0.0.1" is not an https:// URL`},
		{host + `kubernetes_ca_certificate = "-----BEGIN CERTIFICATE-----"`, `kubernetes_ca_certificate: must be one or more PEM-encoded certificates`},
		{host + fmt.Sprintf(`kubernetes_ca_certificate = %q`, keyPEM1), `holds a PEM block of type "PUBLIC KEY"; only CERTIFICATE blocks are allowed`},
		{host + `allowed_namespaces = ["CI"]`,
			`allowed_namespaces[*]: "CI" must be a Kubernetes name (lowercase letters, digits, '-' and '.') or a glob of one with '*'`},
		{host + `allowed_service_account_names = ["runner_1"]`, `allowed_service_account_names[*]: "runner_1" must be a Kubernetes name`},
		{host + `token_reviewer_jwt = ""`, `Attribute token_reviewer_jwt string length must be between 1 and 16384`},
		{host + `token_reviewer_jwt = "a"` + "\n" + `token_reviewer_jwt_wo_version = 1`, `Attribute "token_reviewer_jwt_wo" must be specified when "token_reviewer_jwt_wo_version" is specified`},
		{host + `allowed_audience = "idplane\u200b"`, `allowed_audience: must be valid UTF-8 without control or format characters`},
	})
}
