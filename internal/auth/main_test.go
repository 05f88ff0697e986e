package auth

import (
	"testing"

	"rapport/internal/testenv"
)

// The package's database tests (the throttle) run on a real Postgres behind PgBouncer.
func TestMain(m *testing.M) { testenv.Main(m) }
