package api

import (
	"context"
	"errors"
	"fmt"
)

// tlsCertLogin logs in with a client certificate, presented on every
// connection to the server.
var tlsCertLogin = LoginMethod{
	Name:  LoginTLSCert,
	Route: RouteTLSCertAuthLogin,
	Env:   []string{EnvIdentityID, EnvTLSCertFile, EnvTLSKeyFile, EnvTLSCAFile},
	Setup: func(_ context.Context, s Settings) (Login, error) {
		identity, certFile, keyFile := s.Get(EnvIdentityID), s.Get(EnvTLSCertFile), s.Get(EnvTLSKeyFile)
		// Both settings it may lack are said at once.
		var missing []error
		if identity == "" {
			_, err := workloadIdentity(LoginTLSCert, s)
			missing = append(missing, err)
		}
		if certFile == "" || keyFile == "" {
			missing = append(missing, credsProblem(LoginTLSCert, MissingClientCertificate,
				fmt.Sprintf("TLS certificate auth needs %s and %s", EnvTLSCertFile, EnvTLSKeyFile), EnvTLSCertFile, EnvTLSKeyFile))
		}
		if missing != nil {
			return Login{}, errors.Join(missing...)
		}
		roots, err := RootsFromFile(s.Get(EnvTLSCAFile))
		if err != nil {
			return Login{}, credsInvalid(LoginTLSCert, InvalidCAFile, err, EnvTLSCAFile)
		}
		hc, err := ClientCertificateHTTPClient(certFile, keyFile, roots)
		if err != nil {
			return Login{}, credsInvalid(LoginTLSCert, InvalidClientCertificate, err)
		}
		return Login{Option: WithTLSCertLogin(identity), Transport: WithHTTPClient(hc)}, nil
	},
}
