// Package config reads Rapport's settings from the environment once, at start-up,
// and rejects bad values with an error that names the variable.
package config

import (
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"rapport/internal/secret"
)

// Config is every setting the binary reads from the environment.
type Config struct {
	// DatabaseURL is the pooled endpoint (PgBouncer in transaction mode on Neon).
	DatabaseURL string
	// DirectURL is the unpooled endpoint, for migrations and LISTEN.
	DirectURL string
	// DirectURLFallback is true when DATABASE_URL_UNPOOLED was unset and DatabaseURL is used.
	DirectURLFallback bool

	BaseURL *url.URL
	Port    int

	// DBMaxConns is the per-instance pool size; the real pool lives in PgBouncer.
	DBMaxConns int32
	// DBAcquireTimeout bounds how long a request waits for a pooled connection before a 503.
	DBAcquireTimeout time.Duration
	// RequestTimeout bounds every request's database work.
	RequestTimeout time.Duration

	SessionIdle     time.Duration
	SessionLifetime time.Duration

	// ShutdownDrain is how long a stopping server keeps serving with /readyz answering
	// 503, so a load balancer takes it out of rotation before it stops accepting.
	ShutdownDrain time.Duration

	SMTP SMTP
	// SupportAddress is the desk's address (SUPPORT_ADDRESS, default SMTP_FROM's
	// address): customers' answers go to its +token form, support+<token>@domain.
	SupportAddress string

	// AttachmentMaxFile and AttachmentMaxMessage bound uploads, in bytes: one file
	// (ATTACHMENT_MAX_FILE_MB, default 10) and all the files of one message
	// (ATTACHMENT_MAX_MESSAGE_MB, default 25).
	AttachmentMaxFile    int64
	AttachmentMaxMessage int64

	// LogFormat is "json" or "text".
	LogFormat string
	// TrustProxy makes the client address come from X-Forwarded-For (behind a reverse proxy).
	TrustProxy bool
	// MetricsAddr is the host:port of the metrics listener (Prometheus' /metrics),
	// apart from the public port; "" when METRICS_ADDR is "off".
	MetricsAddr string
	// MetricsToken, when set, is required as a bearer token on /metrics.
	MetricsToken string
	// SecretKey seals secrets stored in the database (two-step sign-in secrets): 32
	// bytes from SECRET_KEY (base64), nil when it is unset (two-step sign-in is then
	// unavailable; the server starts with a warning).
	SecretKey []byte

	// Inbound is the support mailbox INBOUND_IMAP_URL declares; nil when it is unset.
	Inbound *Inbound
}

// Inbound is a support mailbox declared in the environment: INBOUND_IMAP_URL
// (imaps://user:password@host:993/INBOX for TLS, imap://… for STARTTLS, ?tls=none only
// for a server on this machine), INBOUND_TEAM and INBOUND_POLL.
type Inbound struct {
	Host     string
	Port     int
	Security string // "tls", "starttls" or "none"
	User     string
	Password string
	Folder   string
	Team     string
	Poll     time.Duration
}

// SMTP holds the optional mail server settings; Host empty means "write emails to the log".
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// Enabled reports whether an SMTP server is configured.
func (s SMTP) Enabled() bool { return s.Host != "" }

// Secure reports whether cookies must carry the Secure flag.
func (c *Config) Secure() bool { return c.BaseURL.Scheme == "https" }

// Getenv is the lookup Load reads through; tests pass a map.
type Getenv func(string) string

// FromEnviron loads the configuration from the process environment.
func FromEnviron() (*Config, error) { return Load(os.Getenv) }

// Load builds and validates a Config. Every error names the variable at fault.
func Load(getenv Getenv) (*Config, error) {
	var errs []error
	c := &Config{}

	c.DatabaseURL = strings.TrimSpace(getenv("DATABASE_URL"))
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is required (the pooled Postgres URL)"))
	} else if err := checkPostgresURL(c.DatabaseURL); err != nil {
		errs = append(errs, fmt.Errorf("DATABASE_URL: %w", err))
	}
	c.DirectURL = strings.TrimSpace(getenv("DATABASE_URL_UNPOOLED"))
	if c.DirectURL == "" {
		c.DirectURL = c.DatabaseURL
		c.DirectURLFallback = true
	} else if err := checkPostgresURL(c.DirectURL); err != nil {
		errs = append(errs, fmt.Errorf("DATABASE_URL_UNPOOLED: %w", err))
	}

	base := getenvDefault(getenv, "BASE_URL", "http://localhost:8080")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BASE_URL must be an absolute http(s) URL such as https://rapport.example.com, got %q", base))
	} else {
		u.Path = strings.TrimRight(u.Path, "/")
		c.BaseURL = u
	}

	c.Port = intVar(getenv, "PORT", 8080, 1, 65535, &errs)
	c.DBMaxConns = int32(intVar(getenv, "DB_MAX_CONNS", 8, 1, 1000, &errs))
	c.DBAcquireTimeout = durationVar(getenv, "DB_ACQUIRE_TIMEOUT", 3*time.Second, &errs)
	c.RequestTimeout = durationVar(getenv, "REQUEST_TIMEOUT", 10*time.Second, &errs)
	c.SessionIdle = durationVar(getenv, "SESSION_IDLE_TIMEOUT", 12*time.Hour, &errs)
	c.SessionLifetime = durationVar(getenv, "SESSION_LIFETIME", 7*24*time.Hour, &errs)
	if c.SessionIdle > c.SessionLifetime {
		errs = append(errs, errors.New("SESSION_IDLE_TIMEOUT must not exceed SESSION_LIFETIME"))
	}

	if v := strings.TrimSpace(getenv("SHUTDOWN_DRAIN")); v != "" && v != "0" {
		c.ShutdownDrain = durationVar(getenv, "SHUTDOWN_DRAIN", 0, &errs)
	}

	c.SMTP.Host = strings.TrimSpace(getenv("SMTP_HOST"))
	c.SMTP.Port = intVar(getenv, "SMTP_PORT", 587, 1, 65535, &errs)
	c.SMTP.Username = getenv("SMTP_USERNAME")
	c.SMTP.Password = getenv("SMTP_PASSWORD")
	c.SMTP.From = getenvDefault(getenv, "SMTP_FROM", "Rapport <no-reply@localhost>")
	if c.SMTP.Host != "" && strings.TrimSpace(getenv("SMTP_FROM")) == "" {
		errs = append(errs, errors.New("SMTP_FROM is required when SMTP_HOST is set"))
	}

	c.SupportAddress = strings.TrimSpace(getenv("SUPPORT_ADDRESS"))
	if c.SupportAddress == "" {
		if a, err := netmail.ParseAddress(c.SMTP.From); err == nil {
			c.SupportAddress = a.Address
		}
	} else if a, err := netmail.ParseAddress(c.SupportAddress); err != nil || strings.ContainsAny(a.Address, "+\r\n") {
		errs = append(errs, fmt.Errorf("SUPPORT_ADDRESS must be a plain address such as support@example.com (no +tag), got %q", c.SupportAddress))
	} else {
		c.SupportAddress = a.Address
	}
	c.AttachmentMaxFile = int64(intVar(getenv, "ATTACHMENT_MAX_FILE_MB", 10, 1, 1024, &errs)) << 20
	c.AttachmentMaxMessage = int64(intVar(getenv, "ATTACHMENT_MAX_MESSAGE_MB", 25, 1, 4096, &errs)) << 20
	if c.AttachmentMaxFile > c.AttachmentMaxMessage {
		errs = append(errs, errors.New("ATTACHMENT_MAX_FILE_MB must not exceed ATTACHMENT_MAX_MESSAGE_MB"))
	}

	c.LogFormat = getenvDefault(getenv, "LOG_FORMAT", "json")
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT must be json or text, got %q", c.LogFormat))
	}
	c.TrustProxy = boolVar(getenv, "TRUST_PROXY", false, &errs)
	c.MetricsAddr = getenvDefault(getenv, "METRICS_ADDR", "127.0.0.1:9090")
	if c.MetricsAddr == "off" {
		c.MetricsAddr = ""
	} else if err := checkListenAddr(c.MetricsAddr); err != nil {
		errs = append(errs, fmt.Errorf("METRICS_ADDR must be host:port such as 127.0.0.1:9090 or :9090, or off, got %q: %w", c.MetricsAddr, err))
	} else if _, port, _ := net.SplitHostPort(c.MetricsAddr); port == strconv.Itoa(c.Port) {
		errs = append(errs, fmt.Errorf("METRICS_ADDR %q must not use PORT (%d): metrics stay off the public port", c.MetricsAddr, c.Port))
	}
	c.MetricsToken = getenv("METRICS_TOKEN")
	if v := strings.TrimSpace(getenv("SECRET_KEY")); v != "" {
		key, err := secret.ParseKey(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SECRET_KEY must be the base64 of %d random bytes (openssl rand -base64 32): it %w", secret.KeySize, err))
		}
		c.SecretKey = key
	}

	if v := strings.TrimSpace(getenv("INBOUND_IMAP_URL")); v != "" {
		in, err := parseInbound(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("INBOUND_IMAP_URL %w", err))
		} else {
			in.Team = strings.TrimSpace(getenv("INBOUND_TEAM"))
			in.Poll = durationVar(getenv, "INBOUND_POLL", 30*time.Second, &errs)
			if in.Poll < 10*time.Second || in.Poll > 24*time.Hour {
				errs = append(errs, fmt.Errorf("INBOUND_POLL must be from 10s to 24h, got %s", in.Poll))
			}
			c.Inbound = in
		}
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// parseInbound reads INBOUND_IMAP_URL. Its errors never repeat the URL (it holds the
// mailbox's password).
func parseInbound(s string) (*Inbound, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("is not a valid URL (imaps://user:password@host:993/INBOX)")
	}
	in := &Inbound{Host: u.Hostname(), Folder: strings.TrimPrefix(u.Path, "/")}
	switch u.Scheme {
	case "imaps":
		in.Security, in.Port = "tls", 993
	case "imap":
		in.Security, in.Port = "starttls", 143
	default:
		return nil, errors.New("must start with imaps:// (TLS) or imap:// (STARTTLS)")
	}
	switch tls := u.Query().Get("tls"); tls {
	case "":
	case "none":
		if u.Scheme != "imap" {
			return nil, errors.New("takes ?tls=none only with imap://")
		}
		if h := in.Host; h != "localhost" && (net.ParseIP(h) == nil || !net.ParseIP(h).IsLoopback()) {
			return nil, errors.New("takes ?tls=none only for a server on this machine (localhost): the password would cross the network in the clear")
		}
		in.Security = "none"
	default:
		return nil, errors.New("knows only ?tls=none")
	}
	if in.Host == "" {
		return nil, errors.New("names no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("has a port that is not a number from 1 to 65535")
		}
		in.Port = n
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, errors.New("names no user (imaps://user:password@host/INBOX)")
	}
	in.User = u.User.Username()
	pass, ok := u.User.Password()
	if !ok || pass == "" {
		return nil, errors.New("has no password (imaps://user:password@host/INBOX)")
	}
	in.Password = pass
	if in.Folder == "" {
		in.Folder = "INBOX"
	}
	return in, nil
}

func checkListenAddr(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("not host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("the port must be a number from 1 to 65535")
	}
	return nil
}

func checkPostgresURL(s string) error {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		if _, err := url.Parse(s); err != nil {
			return errors.New("is not a valid URL")
		}
		return nil
	}
	if strings.Contains(s, "=") { // key=value DSN
		return nil
	}
	return errors.New("must be a postgres:// URL or a key=value connection string")
}

func getenvDefault(getenv Getenv, name, def string) string {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return v
	}
	return def
}

func intVar(getenv Getenv, name string, def, lo, hi int, errs *[]error) int {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		*errs = append(*errs, fmt.Errorf("%s must be a whole number from %d to %d, got %q", name, lo, hi, v))
		return def
	}
	return n
}

func durationVar(getenv Getenv, name string, def time.Duration, errs *[]error) time.Duration {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		*errs = append(*errs, fmt.Errorf("%s must be a positive duration such as 5s or 12h, got %q", name, v))
		return def
	}
	return d
}

func boolVar(getenv Getenv, name string, def bool, errs *[]error) bool {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s must be true or false, got %q", name, v))
		return def
	}
	return b
}
