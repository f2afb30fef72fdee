package methodconfig

// Sealed is the secret part of a method's configuration (Kubernetes auth's
// token reviewer JWT): kept encrypted with the master key in the row's
// sealed column, outside the JSON document, and never answered by the API.
// A method opts in by giving C a Sealed field tagged `json:"-"` and naming
// it in Method.Seal.
type Sealed struct {
	// Value is, on Put, nil to keep the stored secret, "" to remove it or
	// the new secret; on a login, the decrypted secret ("" for none). It is
	// nil on every other read.
	Value *string
	// Stored reports whether a secret is stored.
	Stored bool
}
