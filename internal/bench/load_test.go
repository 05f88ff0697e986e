package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// The load benchmark's settings: go test ./internal/bench -args -concurrency 32 …
var (
	flagConcurrency = flag.Int("concurrency", 32, "simulated users at once (and pgbench clients)")
	flagDuration    = flag.Duration("duration", 15*time.Second, "measured length of the mixed load")
	flagWarmup      = flag.Duration("warmup", 2*time.Second, "mixed load before measuring")
	flagScale       = flag.Int("scale", 20, "seed --scale N (20: ~100k deals, ~100k tickets, ~1M messages)")
	flagSamples     = flag.Int("samples", 8, "captured requests per page, replayed by pgbench")
	flagSolo        = flag.Duration("solo", 2*time.Second, "each page alone, measured")
	flagFloor       = flag.Duration("floor", time.Second, "pgbench per page (whole seconds)")
	flagFloorAlso   = flag.Int("floor-also", 0, "also replay the SQL alone with this many pgbench clients (e.g. 8, the server's DB_MAX_CONNS); 0: not")
	flagProfile     = flag.Duration("profile", 5*time.Second, "perf profile during more of the mix (0: none)")
	flagReseed      = flag.Bool("reseed", false, "seed again even when a seeded database can be reused")
	flagOut         = flag.String("out", "results", "folder of the markdown results (relative to internal/bench)")
	flagMachine     = flag.String("machine", "", "short machine name in the file name (default: from the CPU)")
	flagKeep        = flag.Bool("keep", false, "keep the working folder (server logs, pgbench scripts, perf data)")
	flagServerEnv   = flag.String("server-env", "", "extra environment of the measured server, space-separated KEY=VALUE (e.g. GOMEMLIMIT=64MiB)")
	flagRevision    = flag.String("revision", "", "the code's revision in the report (default: git describe of the checkout)")
)

var benchFlags = []string{"concurrency", "duration", "warmup", "scale", "samples", "solo", "floor", "floor-also", "profile"}

// TestLoad is make bench: see the package comment. It writes the results to -out and
// prints them.
func TestLoad(t *testing.T) {
	if os.Getenv("RAPPORT_BENCH") != "1" {
		t.Skip("the load benchmark seeds a database and runs for a minute or more: set RAPPORT_BENCH=1 (make bench)")
	}
	if *flagConcurrency < 1 || *flagScale < 1 || *flagSamples < 1 || *flagDuration <= 0 || *flagSolo <= 0 || *flagFloor <= 0 {
		t.Fatal("-concurrency, -scale and -samples must be at least 1, -duration, -solo and -floor positive")
	}
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second))
		defer cancel()
	}
	work, err := os.MkdirTemp("", "rapport-bench-")
	if err != nil {
		t.Fatal(err)
	}
	if *flagKeep {
		t.Logf("working folder (kept): %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "rapport")
	if err := build(bin); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Binary: bin, Scale: *flagScale, Concurrency: *flagConcurrency, Samples: *flagSamples,
		Warmup: *flagWarmup, Duration: *flagDuration, Solo: *flagSolo, Floor: *flagFloor, FloorAlso: *flagFloorAlso, Profile: *flagProfile,
		Reseed: *flagReseed, ServerEnv: serverEnv(t), WorkDir: work, Command: command(), Revision: revision(), Logf: t.Logf,
	}
	env := Env{DirectURL: testenv.DirectURL, PooledURL: testenv.PooledURL,
		PostgresPID: testenv.PostgresPID, PoolerPID: testenv.PoolerPID}
	start := time.Now()
	res, err := Run(ctx, cfg, env)
	if err != nil {
		for _, log := range []string{"capture.log", "serve.log"} {
			if b, e := os.Stat(filepath.Join(work, log)); e == nil && b.Size() > 0 {
				t.Logf("%s, last lines:\n%s", log, tail(filepath.Join(work, log), 15))
			}
		}
		t.Fatal(err)
	}
	var b strings.Builder
	res.Report(&b)
	if err := os.MkdirAll(*flagOut, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(*flagOut, res.FileName(*flagMachine))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Println(b.String())
	abs, _ := filepath.Abs(path)
	t.Logf("results: %s (run took %s after the build)", abs, time.Since(start).Round(time.Second))
}

// command is how to run this benchmark again with the same settings.
func command() string {
	var args []string
	for _, name := range benchFlags {
		args = append(args, "-"+name, flag.Lookup(name).Value.String())
	}
	if *flagReseed {
		args = append(args, "-reseed")
	}
	if *flagServerEnv != "" {
		args = append(args, "-server-env", "'"+*flagServerEnv+"'")
	}
	return "RAPPORT_BENCH=1 go test -count=1 -v -run '^TestLoad$' -timeout 30m ./internal/bench -args " + strings.Join(args, " ")
}

// revision is -revision, or the checkout's commit ("-dirty" when files differ from it).
func revision() string {
	if *flagRevision != "" {
		return *flagRevision
	}
	out, err := exec.Command("git", "describe", "--always", "--dirty", "--abbrev=12").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	return strings.TrimSpace(string(out))
}

// serverEnv parses -server-env.
func serverEnv(t *testing.T) map[string]string {
	env := map[string]string{}
	for _, kv := range strings.Fields(*flagServerEnv) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			t.Fatalf("-server-env: %q is not KEY=VALUE", kv)
		}
		env[k] = v
	}
	return env
}
