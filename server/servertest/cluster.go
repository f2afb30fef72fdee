package servertest

import (
	"testing"

	"github.com/idplane/idplane/server/internal/dbtest"
)

// Cluster is a PostgreSQL server of one test's own, which the test may stop
// and start again under idplane servers (dbtest.Cluster).
type Cluster = dbtest.Cluster

// NewCluster starts a Cluster that lives until t ends; Main must wrap the
// package's tests.
func NewCluster(t testing.TB) *Cluster { return dbtest.NewCluster(t) }
