package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rapport/internal/testenv"
)

// rapportBin is the binary under test, built once by TestMain.
var rapportBin string

func TestMain(m *testing.M) {
	if os.Getenv("RAPPORT_FAULTS") != "1" {
		fmt.Println("faults: skipped; they run the real binary for a minute or two: set RAPPORT_FAULTS=1 (make faults)")
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rapport-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	rapportBin = filepath.Join(dir, "rapport")
	if err := build(rapportBin); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		return 1
	}
	return testenv.Run(m)
}

// build compiles cmd/rapport from the module root into out.
func build(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "build", "-o", out, "./cmd/rapport")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/rapport: %w\n%s", err, b)
	}
	return nil
}
