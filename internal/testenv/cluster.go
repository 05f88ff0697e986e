// Package testenv gives tests a real Postgres behind a real PgBouncer in transaction
// mode. A test binary's TestMain calls Main; each test then calls NewDB for a database
// of its own, cloned in milliseconds from a migrated template.
//
// Without TEST_DATABASE_URL, Main starts a throwaway cluster (initdb + postgres) and a
// PgBouncer under a temporary folder, dropping to the postgres user when run as root
// (both refuse to run as root). With TEST_DATABASE_URL (a superuser URL), it uses that
// server and still starts its own PgBouncer in front of it, unless TEST_PGBOUNCER_URL
// names one (whose [databases] must route any name, "* = host=… port=…").
package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is the running server and pooler for one test binary.
type cluster struct {
	dir    string
	admin  *url.URL // direct superuser URL; Path is replaced per database
	pooler *url.URL // pooled URL; Path is replaced per database
	procs  []*exec.Cmd
	owned  bool // the server is ours, thrown away at the end
	cred   *syscall.Credential

	// What it takes to start each process again (control.go): its command line and
	// log file, and the running command. Empty when the process is not ours.
	mu     sync.Mutex
	pgArgs []string
	pbArgs []string
	pgLog  string
	pbPID  string // PgBouncer's pidfile
	pg, pb *exec.Cmd
}

func startCluster(ctx context.Context) (*cluster, error) {
	c := &cluster{}
	dir, err := os.MkdirTemp("", "rapport-test-")
	if err != nil {
		return nil, err
	}
	c.dir = dir
	if os.Geteuid() == 0 {
		cred, err := postgresCredential()
		if err != nil {
			return nil, err
		}
		c.cred = cred
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}

	if ext := os.Getenv("TEST_DATABASE_URL"); ext != "" {
		u, err := url.Parse(ext)
		if err != nil {
			return nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		c.admin = u
	} else {
		if err := c.startPostgres(ctx); err != nil {
			c.stop()
			return nil, err
		}
		c.owned = true
	}

	if pb := os.Getenv("TEST_PGBOUNCER_URL"); pb != "" {
		u, err := url.Parse(pb)
		if err != nil {
			return nil, fmt.Errorf("TEST_PGBOUNCER_URL: %w", err)
		}
		c.pooler = u
	} else if err := c.startPgBouncer(ctx); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root: initdb, postgres and pgbouncer refuse root, and there is no 'postgres' user to run them as (install postgresql, or run as a normal user)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// command builds a child process that runs as the postgres user when we are root and
// dies with the test binary.
func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if c.cred != nil {
		cmd.SysProcAttr.Credential = c.cred
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

func (c *cluster) startPostgres(ctx context.Context) error {
	bin, err := postgresBinDir()
	if err != nil {
		return err
	}
	data := filepath.Join(c.dir, "data")
	initdb := c.command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "-N")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.pgLog = filepath.Join(c.dir, "postgres.log")
	c.pgArgs = []string{filepath.Join(bin, "postgres"), "-D", data,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + c.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=600", "-c", "shared_buffers=64MB"}
	c.admin = &url.URL{Scheme: "postgres", User: url.User("postgres"),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Path: "/postgres",
		RawQuery: "sslmode=disable"}
	pg, err := c.launchPostgres(ctx)
	if pg != nil {
		c.procs = append(c.procs, pg)
		c.pg = pg
	}
	return err
}

// launchPostgres starts the server from c.pgArgs, appending to its log, and waits until
// it answers a query.
func (c *cluster) launchPostgres(ctx context.Context) (*exec.Cmd, error) {
	logf, err := os.OpenFile(c.pgLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	pg := c.command(c.pgArgs[0], c.pgArgs[1:]...)
	pg.Stdout, pg.Stderr = logf, logf
	if err := pg.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := waitReady(ctx, c.admin.String(), pg); err != nil {
		log, _ := os.ReadFile(c.pgLog)
		return pg, fmt.Errorf("postgres did not start: %w\n%s", err, log)
	}
	return pg, nil
}

func (c *cluster) startPgBouncer(ctx context.Context) error {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
		if err != nil {
			return errors.New("pgbouncer not found: install it (apt-get install pgbouncer); tests must run through a transaction-mode pooler")
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	user := c.admin.User.Username()
	pass, _ := c.admin.User.Password()
	users := fmt.Sprintf("%q %q\n", user, pass)
	if err := c.writeFile("userlist.txt", users); err != nil {
		return err
	}
	// DISCARD ALL after every transaction makes the pooler stricter than Neon's: any
	// session state the app relied on (a prepared statement, a SET) is gone at once.
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = %s
auth_file = %s
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
server_reset_query = DISCARD ALL
server_reset_query_always = 1
# Reconnect to a restarted Postgres within a second (the default waits 15 s).
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, c.admin.Hostname(), c.admin.Port(), port, authType(pass),
		filepath.Join(c.dir, "userlist.txt"), filepath.Join(c.dir, "pgbouncer.log"),
		filepath.Join(c.dir, "pgbouncer.pid"))
	if err := c.writeFile("pgbouncer.ini", ini); err != nil {
		return err
	}
	c.pbArgs = []string{bin, filepath.Join(c.dir, "pgbouncer.ini")}
	c.pbPID = filepath.Join(c.dir, "pgbouncer.pid")
	c.pooler = &url.URL{Scheme: "postgres", User: c.admin.User,
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Path: "/postgres",
		RawQuery: "sslmode=disable"}
	pb, err := c.launchPgBouncer(ctx)
	if pb != nil {
		c.procs = append(c.procs, pb)
		c.pb = pb
	}
	return err
}

// launchPgBouncer starts the pooler from c.pbArgs and waits until a query runs through it.
func (c *cluster) launchPgBouncer(ctx context.Context) (*exec.Cmd, error) {
	_ = os.Remove(c.pbPID) // left behind when a pooler was killed
	pb := c.command(c.pbArgs[0], c.pbArgs[1:]...)
	if err := pb.Start(); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	if err := waitReady(ctx, c.pooler.String(), pb); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "pgbouncer.log"))
		return pb, fmt.Errorf("pgbouncer did not start: %w\n%s", err, log)
	}
	return pb, nil
}

func authType(pass string) string {
	if pass == "" {
		return "trust"
	}
	return "plain"
}

func (c *cluster) writeFile(name, content string) error {
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		return err
	}
	if c.cred != nil {
		return os.Chown(p, int(c.cred.Uid), int(c.cred.Gid))
	}
	return nil
}

// stop ends the pooler and the server and removes the folder.
func (c *cluster) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.procs) - 1; i >= 0; i-- {
		terminate(c.procs[i], syscall.SIGINT, 10*time.Second)
	}
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
}

// terminate sends sig to p and waits for it to exit, killing it after grace. A process
// already waited for is left alone.
func terminate(p *exec.Cmd, sig syscall.Signal, grace time.Duration) {
	if p.ProcessState != nil {
		return
	}
	_ = p.Process.Signal(sig)
	done := make(chan struct{})
	go func() { _ = p.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		_ = p.Process.Kill()
		<-done
	}
}

func waitReady(ctx context.Context, dsn string, proc *exec.Cmd) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return err
		}
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.ConnectConfig(cctx, cfg)
		if err == nil {
			_, err = conn.Exec(cctx, "SELECT 1")
			conn.Close(cctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		if proc.ProcessState != nil {
			return fmt.Errorf("process exited: %v", proc.ProcessState)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// postgresBinDir finds initdb: on PATH, or Debian's /usr/lib/postgresql/<newest>/bin.
func postgresBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(r), nil
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	if len(dirs) > 0 {
		return filepath.Dir(dirs[0]), nil
	}
	return "", errors.New("initdb not found: install PostgreSQL's server binaries (apt-get install postgresql) or set TEST_DATABASE_URL")
}

func versionOf(path string) int {
	parts := strings.Split(path, string(filepath.Separator))
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err == nil {
			return n
		}
	}
	return 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
