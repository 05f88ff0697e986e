package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is `rapport serve` as a child process on a free port, its log in a file. It
// dies with the benchmark (Pdeathsig) if the benchmark dies first.
type Server struct {
	URL string
	// MetricsURL is the base URL of the server's metrics listener (METRICS_ADDR).
	MetricsURL string
	Log        string
	cmd        *exec.Cmd
	done       chan struct{}
}

// StartServer runs bin serve with env on a free port, its metrics on another, and
// waits until /readyz answers.
func StartServer(ctx context.Context, bin, logPath string, env map[string]string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	mport, err := freePort()
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	maddr := "127.0.0.1:" + strconv.Itoa(mport)
	vars := map[string]string{"PORT": strconv.Itoa(port), "BASE_URL": base, "LOG_FORMAT": "json", "METRICS_ADDR": maddr}
	for k, v := range env {
		vars[k] = v
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = environ(vars)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	s := &Server{URL: base, MetricsURL: "http://" + maddr, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, tail(logPath, 20))
	}
	return s, nil
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM (in-flight requests finish) and kills the server if it has not
// exited within 40 s. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(40 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		select {
		case <-s.done:
			return fmt.Errorf("rapport serve exited before /readyz answered")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := c.Get(s.URL + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz did not answer 200 within %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RunCommand runs a one-shot subcommand of bin (migrate, seed) with env, bounded by
// timeout, and returns its output.
func RunCommand(ctx context.Context, bin string, env map[string]string, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = environ(env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("rapport %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// environ is a minimal environment: PATH and HOME, then vars.
func environ(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "LOG_FORMAT=json"}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail is the last n lines of the file at path.
func tail(path string, n int) string {
	b, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
