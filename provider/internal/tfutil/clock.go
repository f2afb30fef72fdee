package tfutil

import "time"

// Now is the provider's clock. Acceptance tests move it (with the
// server's) to reach a client secret's renewal window without waiting.
var Now = time.Now
