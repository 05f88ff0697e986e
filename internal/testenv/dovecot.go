package testenv

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// A real IMAP server for the tests of the email channel: Dovecot from Debian
// (dovecot-imapd), configured in a temporary folder, plaintext login on 127.0.0.1 only,
// users from a static passdb, maildirs under the folder. It starts the first time a test
// asks for a mailbox (test binaries that never do pay nothing) and stops with Main.
// As root, the whole server (master included) runs as the postgres user, as Postgres does.

// dovecot is the binary's running server, or its start-up error.
type dovecot struct {
	dir     string
	port    int // plaintext and STARTTLS
	tlsPort int // TLS from the first byte (imaps)
	certPEM []byte
	cmd     *exec.Cmd
	// password is every mailbox's: a static passdb, so that a mailbox exists the moment
	// its name is made up (a passwd-file is re-read by its mtime, in whole seconds, and
	// missed users added in the same second). Each mailbox is still its own user.
	password string
	mu       sync.Mutex
	seq      int
	err      error
}

var (
	imapOnce   sync.Once
	imapServer *dovecot
)

func dovecotBinary() (string, error) {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("dovecot not found: install it (apt-get install dovecot-imapd); the email channel's tests need a real IMAP server")
}

func startDovecot() *dovecot {
	d := &dovecot{}
	bin, err := dovecotBinary()
	if err != nil {
		d.err = err
		return d
	}
	dir, err := os.MkdirTemp("", "rapport-imap-")
	if err != nil {
		d.err = err
		return d
	}
	d.dir = dir
	var cred *syscall.Credential
	run := &user.User{Username: "", Uid: strconv.Itoa(os.Getuid()), Gid: strconv.Itoa(os.Getgid())}
	if u, err := user.Current(); err == nil {
		run = u
	}
	if os.Geteuid() == 0 {
		if cred, err = postgresCredential(); err != nil {
			d.err = err
			return d
		}
		if run, err = user.Lookup("postgres"); err != nil {
			d.err = err
			return d
		}
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			d.err = err
			return d
		}
	}
	group := run.Username
	if g, err := user.LookupGroupId(run.Gid); err == nil {
		group = g.Name
	}
	if d.port, err = freePort(); err != nil {
		d.err = err
		return d
	}
	if d.tlsPort, err = freePort(); err != nil {
		d.err = err
		return d
	}
	if d.certPEM, err = writeTestCert(dir); err != nil {
		d.err = err
		return d
	}
	if cred != nil {
		for _, f := range []string{"cert.pem", "key.pem"} {
			if err := os.Chown(filepath.Join(dir, f), int(cred.Uid), int(cred.Gid)); err != nil {
				d.err = err
				return d
			}
		}
	}
	var pw [12]byte
	_, _ = rand.Read(pw[:])
	d.password = hex.EncodeToString(pw[:])
	conf := fmt.Sprintf(`# Written by internal/testenv for one test binary.
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = rapport-test-%[5]d
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused login answers at once (the default waits 2 s, against guessing).
auth_failure_delay = 0
log_path = %[1]s/dovecot.log
default_login_user = %[2]s
default_internal_user = %[2]s
default_internal_group = %[3]s
mail_location = maildir:%[1]s/mail/%%u
mail_uid = %[6]s
mail_gid = %[7]s
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = static
  args = password=%[8]s
}
userdb {
  driver = static
  args = uid=%[6]s gid=%[7]s home=%[1]s/mail/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[4]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[9]d
  }
}
service anvil {
  chroot =
}
protocol imap {
  mail_max_userip_connections = 200
}
`, dir, run.Username, group, d.port, os.Getpid(), run.Uid, run.Gid, d.password, d.tlsPort)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		d.err = err
		return d
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if cred != nil {
		cmd.SysProcAttr.Credential = cred
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		d.err = fmt.Errorf("start dovecot: %w", err)
		return d
	}
	d.cmd = cmd
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if greets(d.port) {
			return d
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			d.err = fmt.Errorf("dovecot exited at start: %s\n%s", out.String(), log)
			return d
		default:
		}
		if time.Now().After(deadline) {
			d.err = errors.New("dovecot did not greet within 30s")
			return d
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeTestCert makes a self-signed certificate for 127.0.0.1 and localhost, valid a
// day, as cert.pem and key.pem in dir, and returns the certificate's PEM.
func writeTestCert(dir string) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rapport test imap"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644); err != nil {
		return nil, err
	}
	return certPEM, os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600)
}

// greets reports whether an IMAP server answers on port with its OK greeting.
func greets(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "* OK")
}

// stopDovecot ends the server (and so its children) and removes its folder.
func stopDovecot() {
	d := imapServer
	if d == nil || d.cmd == nil {
		return
	}
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	_ = os.RemoveAll(d.dir)
}

// Mailbox is a throwaway IMAP account on the test server, made for one test.
type Mailbox struct {
	Host     string // 127.0.0.1
	Port     int    // plaintext, and STARTTLS
	TLSPort  int    // TLS from the first byte
	CertPEM  []byte // the server's self-signed certificate (for 127.0.0.1), to trust in a test
	User     string
	Password string
	Folder   string // INBOX
}

// NewMailbox makes an empty mailbox of its own for t on the binary's Dovecot, starting
// the server on first use. A failure to start fails t: never a skip.
func NewMailbox(t testing.TB) *Mailbox {
	t.Helper()
	imapOnce.Do(func() { imapServer = startDovecot() })
	d := imapServer
	if d.err != nil {
		t.Fatalf("testenv: %v", d.err)
	}
	d.mu.Lock()
	d.seq++
	name := fmt.Sprintf("box%d", d.seq)
	d.mu.Unlock()
	return &Mailbox{Host: "127.0.0.1", Port: d.port, TLSPort: d.tlsPort, CertPEM: d.certPEM, User: name, Password: d.password, Folder: "INBOX"}
}

// Addr is host:port.
func (m *Mailbox) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// URL is the mailbox as INBOUND_IMAP_URL writes it (plaintext: a local test server).
func (m *Mailbox) URL() string {
	u := url.URL{Scheme: "imap", User: url.UserPassword(m.User, m.Password), Host: m.Addr(),
		Path: "/" + m.Folder, RawQuery: "tls=none"}
	return u.String()
}

// Dial logs in to the mailbox, for a test to look at it (its flags, its count).
func (m *Mailbox) Dial(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.Dial(m.Addr())
	if err != nil {
		t.Fatalf("testenv: dial imap: %v", err)
	}
	if err := c.Login(m.User, m.Password); err != nil {
		t.Fatalf("testenv: imap login: %v", err)
	}
	t.Cleanup(func() { _ = c.Logout() })
	return c
}

// Append puts raw into the folder with IMAP APPEND, as a mail server delivering it
// would, and returns nothing but a failure of t.
func (m *Mailbox) Append(t testing.TB, raw ...[]byte) {
	t.Helper()
	c, err := client.Dial(m.Addr())
	if err != nil {
		t.Fatalf("testenv: dial imap: %v", err)
	}
	defer c.Logout()
	if err := c.Login(m.User, m.Password); err != nil {
		t.Fatalf("testenv: imap login: %v", err)
	}
	for _, r := range raw {
		if err := c.Append(m.Folder, nil, time.Now(), bytes.NewReader(r)); err != nil {
			t.Fatalf("testenv: imap append: %v", err)
		}
	}
}

// Flags lists each message's UID and flags in the folder, in UID order.
func (m *Mailbox) Flags(t testing.TB) map[uint32][]string {
	t.Helper()
	c := m.Dial(t)
	if _, err := c.Select(m.Folder, true); err != nil {
		t.Fatalf("testenv: imap select: %v", err)
	}
	seq := new(imap.SeqSet)
	seq.AddRange(1, 0)
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(seq, []imap.FetchItem{imap.FetchUid, imap.FetchFlags}, ch) }()
	out := map[uint32][]string{}
	for msg := range ch {
		out[msg.Uid] = msg.Flags
	}
	if err := <-done; err != nil && !strings.Contains(err.Error(), "No matching messages") {
		t.Fatalf("testenv: imap fetch flags: %v", err)
	}
	return out
}
