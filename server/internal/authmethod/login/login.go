// Package login is how a login is refused, shared by the auth methods and
// the core: a refusal names the check that failed for the caller and says
// more in the audit event. It depends on neither, so a method's verifier
// and its tests need nothing of the core's storage.
package login

import (
	"errors"
	"net/netip"

	"github.com/idplane/idplane/server/api"
)

// ErrFailed is every failed login, as errors.Is sees it.
var ErrFailed = errors.New("login failed")

// ErrProofUsed is the answer of methodconfig.Core.UseOnce for a proof that
// was already used.
var ErrProofUsed = errors.New("the proof was already used")

// Error is a failed login: Reason goes to the audit log; the caller learns
// only Public, which names the check that failed without echoing
// configured values, or nothing when Public is empty (universal auth, where
// any hint helps a guesser).
type Error struct {
	Reason string
	Public string
}

func (e *Error) Error() string { return "login failed: " + e.Reason }

// Unwrap makes errors.Is(err, ErrFailed) true.
func (e *Error) Unwrap() error { return ErrFailed }

// Failed is a failed login for reason (see Error).
func Failed(reason string) error { return &Error{Reason: reason} }

// Refused is a failed login whose caller is told which check failed
// (public); reason, for the audit event, may say more.
func Refused(public, reason string) error { return &Error{Reason: reason, Public: public} }

// IPAllowed reports whether ip falls in one of the CIDR blocks; an empty
// list allows nothing, so callers only ask when a list is set.
func IPAllowed(cidrs []string, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, c := range cidrs {
		p, err := api.ParseCIDR(c)
		if err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}
