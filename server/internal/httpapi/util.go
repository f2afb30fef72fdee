package httpapi

import (
	"net"
	"net/netip"

	"github.com/google/uuid"
)

func prefixToIPNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func newRequestID() string { return uuid.NewString() }
