package tokenauth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idplane/idplane/server/api"
)

const tlsCertAddr = "idplane_identity_tls_cert_auth.ci"

// caPEM2 is a second CA, for a bundle and for a change outside Terraform.
var caPEM2 = newCAPEM(2, "idplane test CA 2")

// tlsCertWalk moves from a CA alone to SPIFFE IDs and names in place.
var tlsCertWalk = walk{
	kind: "tls_cert", noun: "TLS certificate auth",
	create: fmt.Sprintf(`
  ca_certificate = %q
`, caPEM),
	created: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(tlsCertAddr, "ca_certificate", caPEM),
		resource.TestCheckResourceAttr(tlsCertAddr, "allowed_common_names.#", "0"),
		resource.TestCheckResourceAttr(tlsCertAddr, "allowed_subject_alt_names.#", "0"),
	},
	update: fmt.Sprintf(`
  ca_certificate            = %q
  allowed_common_names      = ["payments", "*.payments.internal"]
  allowed_subject_alt_names = ["URI:spiffe://prod.example.org/ns/payments/*", "DNS:*.svc.cluster.local", "IP:10.0.0.0/8", "EMAIL:*@example.org"]
`, caPEM+caPEM2),
	reordered: fmt.Sprintf(`
  ca_certificate            = %q
  allowed_common_names      = ["*.payments.internal", "payments"]
  allowed_subject_alt_names = ["IP:10.0.0.0/8", "EMAIL:*@example.org", "DNS:*.svc.cluster.local", "URI:spiffe://prod.example.org/ns/payments/*"]
`, caPEM+caPEM2),
	updated: []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(tlsCertAddr, "ca_certificate", caPEM+caPEM2),
		resource.TestCheckResourceAttr(tlsCertAddr, "allowed_common_names.#", "2"),
		resource.TestCheckResourceAttr(tlsCertAddr, "allowed_subject_alt_names.#", "4"),
		resource.TestCheckTypeSetElemAttr(tlsCertAddr, "allowed_subject_alt_names.*", "URI:spiffe://prod.example.org/ns/payments/*"),
	},
	attach: func(ctx context.Context, c *api.Client, identityID string) error {
		_, err := c.PutTLSCertAuth(ctx, identityID, 0, api.TLSCertAuthInput{TLSCertAuthConfig: api.TLSCertAuthConfig{
			CACertificate: caPEM2, AllowedSubjectAltNames: []string{"DNS:*.example.com"}}})
		return err
	},
	get:    getter((*api.Client).GetTLSCertAuth),
	detach: (*api.Client).DeleteTLSCertAuth,
}

func TestTLSCertAuthResource(t *testing.T) { tlsCertWalk.run(t) }

func TestTLSCertAuthValidation(t *testing.T) {
	ca := fmt.Sprintf("ca_certificate = %q\n", caPEM)
	planErrors(t, "tls_cert", [][2]string{
		{`allowed_common_names = ["x"]`, `The argument "ca_certificate" is required`},
		{`ca_certificate = "not a certificate"`, `ca_certificate: must be one or more PEM-encoded certificates`},
		{fmt.Sprintf(`ca_certificate = %q`, keyPEM1), `ca_certificate: holds a PEM block of type "PUBLIC KEY"; only CERTIFICATE blocks are allowed`},
		{ca + `allowed_subject_alt_names = ["spiffe://prod.example.org/ns/payments/api"]`,
			`allowed_subject_alt_names[*]: "spiffe://prod.example.org/ns/payments/api" has type "SPIFFE": the type must be DNS, URI, IP or EMAIL`},
		{ca + `allowed_subject_alt_names = ["payments.internal"]`,
			`allowed_subject_alt_names[*]: "payments.internal" must be TYPE:pattern with TYPE one of DNS, URI, IP, EMAIL (e.g. DNS:*.svc.cluster.local)`},
		{ca + `allowed_subject_alt_names = ["IP:10.0.0.0/33"]`, `allowed_subject_alt_names[*]: "10.0.0.0/33" is not a valid IP address or CIDR block`},
		{ca + `allowed_subject_alt_names = ["DNS:"]`, `must be TYPE:pattern`},
		{ca + `allowed_common_names = [""]`, `allowed_common_names[*]: glob must not be empty`},
	})
}
