package secret_test

import (
	"testing"

	"github.com/idplane/idplane/provider/internal/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }
