package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Floor is what pgbench made of one page's statements: script executions (one page's
// worth of SQL each) per second, at the page's concurrency, through the pooler.
type Floor struct {
	TPS     float64
	Scripts int    // samples replayed, each a script of its own
	Problem string // why there is no rate, or what went wrong during it
}

// WriteScripts writes one pgbench script per captured request of page into dir and
// returns their paths. Each statement is one command of the script; pgbench's simple
// mode sends each as its own query, as Rapport does.
func WriteScripts(dir, page string, samples [][]string) ([]string, error) {
	var paths []string
	for i, stmts := range samples {
		var b strings.Builder
		fmt.Fprintf(&b, "-- %s, captured request %d: %d statements\n", page, i+1, len(stmts))
		for _, s := range stmts {
			s = freshSession(strings.TrimRight(strings.TrimSpace(s), ";"))
			b.WriteString(s)
			b.WriteString(";\n")
		}
		p := filepath.Join(dir, fmt.Sprintf("%s-%02d.sql", page, i+1))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// sessionHash is a session token's hash as the simple protocol writes it: a bytea literal.
var sessionHash = regexp.MustCompile(`'\\x[0-9a-f]{64}'`)

// freshSession makes a captured sign-in's session row new at every replay: the row is
// keyed by its token's hash, so the captured literal would be a duplicate key from the
// second execution on. Every hash in the statement that writes the row (the new one, and
// the one it replaces, which the replay then finds absent) becomes a random one.
func freshSession(stmt string) string {
	if !strings.Contains(stmt, "INSERT INTO auth_session") {
		return stmt
	}
	return sessionHash.ReplaceAllLiteralString(stmt, "decode(md5(random()::text) || md5(random()::text), 'hex')")
}

// PgbenchRun is one pgbench invocation through the pooler.
type PgbenchRun struct {
	Bin      string
	URL      string // the pooled URL of the database
	Clients  int
	Threads  int
	Duration time.Duration
}

var (
	tpsLine    = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	failedLine = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
)

// Run replays scripts (chosen at random, equally) for the duration and returns the rate.
func (r PgbenchRun) Run(ctx context.Context, scripts []string) Floor {
	f := Floor{Scripts: len(scripts)}
	if len(scripts) == 0 {
		f.Problem = "no captured statements"
		return f
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		f.Problem = err.Error()
		return f
	}
	args := []string{"-n", "-M", "simple", "-c", strconv.Itoa(r.Clients), "-j", strconv.Itoa(max(1, min(r.Threads, r.Clients))),
		"-T", strconv.Itoa(max(1, int(r.Duration.Round(time.Second)/time.Second))),
		"-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username()}
	for _, s := range scripts {
		args = append(args, "-f", s)
	}
	args = append(args, strings.TrimPrefix(u.Path, "/"))
	ctx, cancel := context.WithTimeout(ctx, r.Duration+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Bin, args...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGAPPNAME=rapport-bench-floor")
	if pw, ok := u.User.Password(); ok {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+pw)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if m := tpsLine.FindSubmatch(stdout.Bytes()); m != nil {
		f.TPS, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := failedLine.FindSubmatch(stdout.Bytes()); m != nil && string(m[1]) != "0" {
		f.Problem = string(m[1]) + " failed transactions"
	}
	if runErr != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		f.Problem = strings.TrimSpace(fmt.Sprintf("pgbench: %v %s", runErr, line))
	}
	return f
}

// globNewest lists pattern's matches, the highest version number first.
func globNewest(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	version := func(p string) int {
		for _, part := range strings.Split(p, string(filepath.Separator)) {
			if n, err := strconv.Atoi(part); err == nil {
				return n
			}
		}
		return 0
	}
	sort.Slice(m, func(i, j int) bool { return version(m[i]) > version(m[j]) })
	return m
}
