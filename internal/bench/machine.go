package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where a run happened, so runs can be compared.
type Machine struct {
	CPUModel  string
	CPUs      int   // logical processors
	MemoryKB  int64 // MemTotal
	OS        string
	Kernel    string
	Go        string
	Postgres  string
	PgBouncer string
	Pgbench   string
}

// DescribeMachine reads /proc and asks the tools for their versions; postgres is the
// server's version() (the caller has a connection).
func DescribeMachine(ctx context.Context, postgres string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Postgres: postgres}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch {
			case !ok:
			case k == "processor":
				n++
			case k == "model name" && m.CPUModel == "":
				m.CPUModel = v
			}
		}
		if n > 0 {
			m.CPUs = n
		}
	}
	if m.CPUModel == "" {
		m.CPUModel = runtime.GOARCH
	}
	m.MemoryKB, _ = meminfo("MemTotal")
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		if s := regexp.MustCompile(`(?m)^PRETTY_NAME="?([^"\n]*)`).FindSubmatch(b); s != nil {
			m.OS = string(s[1])
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if bin, err := PgBouncerBin(); err == nil {
		m.PgBouncer = firstLine(ctx, bin, "--version")
	}
	if bin, err := PgbenchBin(); err == nil {
		m.Pgbench = firstLine(ctx, bin, "--version")
	}
	return m
}

func meminfo(field string) (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			f := strings.Fields(v)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("/proc/meminfo has no %s", field)
}

func firstLine(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// ShortName names the machine in a results file: processors and the CPU model's
// distinctive words, "2c-amd-epyc" or "8c-xeon-platinum-8375c".
func (m Machine) ShortName() string {
	noise := map[string]bool{"cpu": true, "processor": true, "intel": true, "core": true, "with": true,
		"radeon": true, "graphics": true, "(r)": true, "(tm)": true}
	var words []string
	for _, w := range strings.Fields(strings.ToLower(m.CPUModel)) {
		w = strings.NewReplacer("(r)", "", "(tm)", "").Replace(w)
		if w == "@" || strings.HasSuffix(w, "ghz") {
			break
		}
		w = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(w, "")
		if w != "" && !noise[w] && len(words) < 3 {
			words = append(words, w)
		}
	}
	return strings.Join(append([]string{fmt.Sprintf("%dc", m.CPUs)}, words...), "-")
}

// PgBouncerBin finds pgbouncer as internal/testenv does: on PATH or in Debian's sbin.
func PgBouncerBin() (string, error) {
	return findBin("pgbouncer", "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
}

// PgbenchBin finds pgbench: on PATH or in Debian's /usr/lib/postgresql/<version>/bin.
func PgbenchBin() (string, error) {
	return findBin("pgbench", globNewest("/usr/lib/postgresql/*/bin/pgbench")...)
}

func findBin(name string, fallbacks ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, p := range fallbacks {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found (apt-get install postgresql-contrib or pgbouncer)", name)
}
