package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// instance is one run of `rapport serve` as a child process, on its own port, with its
// stderr (JSON logs) in a file.
type instance struct {
	t    testing.TB
	name string
	env  []string
	port int
	url  string
	// metrics is the base URL of the metrics listener (METRICS_ADDR).
	metrics string
	log     string

	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited and been waited for
	state  *os.ProcessState
}

// startRapport runs `rapport serve` on d through PgBouncer (DATABASE_URL) with the
// direct URL as DATABASE_URL_UNPOOLED, on a free port (and its metrics on another),
// with extra variables on top.
// The process is killed when the test ends, and dies with the test binary.
func startRapport(t testing.TB, d *testenv.Database, name string, extra map[string]string) *instance {
	t.Helper()
	port, mport := freePort(t), freePort(t)
	vars := map[string]string{
		"METRICS_ADDR":          "127.0.0.1:" + strconv.Itoa(mport),
		"DATABASE_URL":          d.PooledURL(),
		"DATABASE_URL_UNPOOLED": d.DirectURL(),
		"PORT":                  strconv.Itoa(port),
		"LOG_FORMAT":            "json",
		"BASE_URL":              "http://127.0.0.1:" + strconv.Itoa(port),
		// Visitors carry X-Forwarded-For (client_test.go): sign-up is throttled per address.
		"TRUST_PROXY": "true",
	}
	for k, v := range extra {
		vars[k] = v
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	in := &instance{t: t, name: name, env: env, port: port, url: "http://127.0.0.1:" + strconv.Itoa(port),
		metrics: "http://" + vars["METRICS_ADDR"]}
	in.start(1)
	return in
}

func (in *instance) start(run int) {
	t := in.t
	t.Helper()
	in.log = filepath.Join(t.TempDir(), fmt.Sprintf("%s-%d.log", in.name, run))
	logf, err := os.Create(in.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rapportBin, "serve")
	cmd.Env = in.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", in.name, err)
	}
	logf.Close()
	in.cmd, in.exited, in.state = cmd, make(chan struct{}), nil
	exited := in.exited
	go func() {
		_ = cmd.Wait()
		in.state = cmd.ProcessState
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("%s run %d, last lines of its log:\n%s", in.name, run, tail(in.log, 30))
		}
	})
}

// restart starts the binary again with the same settings and port, after it exited.
func (in *instance) restart(run int) {
	in.t.Helper()
	select {
	case <-in.exited:
	default:
		in.t.Fatalf("%s: restart while it is still running", in.name)
	}
	in.start(run)
}

func (in *instance) pid() int { return in.cmd.Process.Pid }

// kill sends SIGKILL and waits for the process to be gone.
func (in *instance) kill() {
	in.t.Helper()
	_ = in.cmd.Process.Kill()
	select {
	case <-in.exited:
	case <-time.After(10 * time.Second):
		in.t.Fatalf("%s: still running 10s after SIGKILL", in.name)
	}
}

// wait waits up to timeout for the process to exit and returns its exit code and how
// long it took; ok is false when it was still running.
func (in *instance) wait(timeout time.Duration) (code int, took time.Duration, ok bool) {
	start := time.Now()
	select {
	case <-in.exited:
		return in.state.ExitCode(), time.Since(start), true
	case <-time.After(timeout):
		return -1, time.Since(start), false
	}
}

// waitReady polls /readyz until it answers 200 and returns how long that took.
func (in *instance) waitReady(timeout time.Duration) time.Duration {
	in.t.Helper()
	d, err := in.pollReady(timeout)
	if err != nil {
		in.t.Fatalf("%s: %v\n%s", in.name, err, tail(in.log, 20))
	}
	return d
}

// pollReady is waitReady that returns an error instead of failing the test.
func (in *instance) pollReady(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	c := probeClient(3 * time.Second)
	for {
		select {
		case <-in.exited:
			return time.Since(start), fmt.Errorf("exited (%v) before /readyz answered 200", in.state)
		default:
		}
		resp, err := c.Get(in.url + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("/readyz not 200 within %s (last: %v)", timeout, statusOrErr(resp, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probeClient is for /readyz and /metrics: no kept-alive connection, so probing leaves
// no goroutine behind in the server.
func probeClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

func statusOrErr(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// procStatus reads one "Name: value" field of /proc/<pid>/status as a number (VmRSS
// in kB, Threads).
func (in *instance) procStatus(field string) int64 {
	in.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.pid()))
	if err != nil {
		in.t.Fatalf("%s: %v", in.name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			f := strings.Fields(value)
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				in.t.Fatalf("%s: /proc status %s: %v", in.name, field, err)
			}
			return n
		}
	}
	in.t.Fatalf("%s: /proc status has no %s", in.name, field)
	return 0
}

// rssMB is the process's resident memory in MiB.
func (in *instance) rssMB() float64 { return float64(in.procStatus("VmRSS")) / 1024 }

// metric reads one unlabelled sample (go_goroutines, rapport_db_pool_…) from /metrics.
func (in *instance) metric(name string) (float64, error) {
	resp, err := probeClient(5 * time.Second).Get(in.metrics + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("/metrics: %s", resp.Status)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0, fmt.Errorf("/metrics has no %s", name)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// logLines are the process's JSON log records (lines that are not JSON are skipped).
func (in *instance) logLines() []map[string]any {
	b, err := os.ReadFile(in.log)
	if err != nil {
		in.t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range bytes.Split(b, []byte("\n")) {
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// countLog counts log records whose msg is msg and, when level is not "", whose level is level.
func (in *instance) countLog(msg, level string) int {
	n := 0
	for _, rec := range in.logLines() {
		if rec["msg"] == msg && (level == "" || rec["level"] == level) {
			n++
		}
	}
	return n
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// rapportCmd runs a one-shot subcommand (seed, user create) against d and returns its output.
func rapportCmd(t testing.TB, d *testenv.Database, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rapportBin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "LOG_FORMAT=json",
		"DATABASE_URL=" + d.PooledURL(), "DATABASE_URL_UNPOOLED=" + d.DirectURL()}
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rapport %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// seedDemo loads the demo data: admin@example.com, sales1@…, customer1@… (password demoPassword).
func seedDemo(t testing.TB, d *testenv.Database) {
	t.Helper()
	rapportCmd(t, d, "", "seed")
}

const demoPassword = "rapport-demo"
