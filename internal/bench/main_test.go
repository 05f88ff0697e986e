package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rapport/internal/testenv"
)

// TestMain starts internal/testenv's throwaway Postgres and PgBouncer only for the load
// benchmark (RAPPORT_BENCH=1, make bench): it takes a minute or more and a seeded
// database. Without it the unit tests run alone, and TestLoad skips.
func TestMain(m *testing.M) {
	if os.Getenv("RAPPORT_BENCH") != "1" {
		os.Exit(m.Run())
	}
	os.Exit(testenv.Run(m))
}

// build compiles cmd/rapport from the module root into out.
func build(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", out, "./cmd/rapport")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/rapport: %w\n%s", err, b)
	}
	return nil
}
