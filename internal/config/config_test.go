package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u@pooler.example/db"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.DirectURLFallback || c.DirectURL != c.DatabaseURL {
		t.Error("without DATABASE_URL_UNPOOLED the direct URL must fall back to DATABASE_URL, flagged")
	}
	if c.Port != 8080 || c.DBMaxConns != 8 || c.DBAcquireTimeout != 3*time.Second || c.RequestTimeout != 10*time.Second {
		t.Errorf("defaults: %+v", c)
	}
	if c.SessionIdle != 12*time.Hour || c.SessionLifetime != 7*24*time.Hour || c.LogFormat != "json" {
		t.Errorf("defaults: %+v", c)
	}
	if c.MetricsAddr != "127.0.0.1:9090" {
		t.Errorf("metrics listen on %q by default, want 127.0.0.1:9090 (loopback, off the public port)", c.MetricsAddr)
	}
	if c.ShutdownDrain != 0 {
		t.Errorf("the shutdown drain is off by default, got %s", c.ShutdownDrain)
	}
	if c.Secure() || c.SMTP.Enabled() {
		t.Error("http base URL must not be Secure; no SMTP_HOST means no SMTP")
	}
}

func TestHTTPSBaseURLMakesCookiesSecure(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x/db", "DATABASE_URL_UNPOOLED": "postgres://y/db",
		"BASE_URL": "https://rapport.example.com/"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() || c.DirectURLFallback || c.BaseURL.String() != "https://rapport.example.com" {
		t.Errorf("got secure=%v fallback=%v base=%s", c.Secure(), c.DirectURLFallback, c.BaseURL)
	}
}

// METRICS_ADDR: host:port (any host, or none), "off" for no metrics listener; never
// the public port, never a bare port or a name.
func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{"off": "", ":9100": ":9100", "0.0.0.0:9090": "0.0.0.0:9090", "[::1]:9090": "[::1]:9090"} {
		c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x/db", "METRICS_ADDR": v}))
		if err != nil || c.MetricsAddr != want {
			t.Errorf("METRICS_ADDR=%q: %q, %v; want %q", v, c.MetricsAddr, err, want)
		}
	}
	for _, v := range []string{"9090", "localhost", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", ":8080"} {
		_, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x/db", "METRICS_ADDR": v}))
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
			t.Errorf("METRICS_ADDR=%q: %v, want an error naming METRICS_ADDR", v, err)
		}
	}
}

// Every bad value is reported at once, each naming its variable.
func TestErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	_, err := Load(env(map[string]string{
		"DATABASE_URL_UNPOOLED": "mysql://nope",
		"BASE_URL":              "rapport.example.com",
		"PORT":                  "70000",
		"DB_MAX_CONNS":          "0",
		"DB_ACQUIRE_TIMEOUT":    "soon",
		"SESSION_IDLE_TIMEOUT":  "48h",
		"SESSION_LIFETIME":      "24h",
		"SMTP_HOST":             "smtp.example.com",
		"LOG_FORMAT":            "xml",
		"TRUST_PROXY":           "maybe",
		"SHUTDOWN_DRAIN":        "-5s",
		"SECRET_KEY":            "c2hvcnQ=",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"DATABASE_URL is required", "DATABASE_URL_UNPOOLED", "BASE_URL", "PORT", "DB_MAX_CONNS",
		"DB_ACQUIRE_TIMEOUT", "SESSION_IDLE_TIMEOUT must not exceed SESSION_LIFETIME", "SMTP_FROM", "LOG_FORMAT", "TRUST_PROXY", "SHUTDOWN_DRAIN", "SECRET_KEY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not mention %s:\n%v", name, err)
		}
	}
}

func TestShutdownDrain(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"": 0, "0": 0, "15s": 15 * time.Second} {
		c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x/db", "SHUTDOWN_DRAIN": v}))
		if err != nil || c.ShutdownDrain != want {
			t.Errorf("SHUTDOWN_DRAIN=%q: %v, %v; want %s", v, c, err, want)
		}
	}
}

// SECRET_KEY is optional (nil without it); set, it must be the base64 of 32 bytes, and a
// bad one is refused without the value in the message.
func TestSecretKey(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x/db"}))
	if err != nil || c.SecretKey != nil {
		t.Fatalf("unset: %v, %v", c.SecretKey, err)
	}
	key := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	c, err = Load(env(map[string]string{"DATABASE_URL": "postgres://x/db", "SECRET_KEY": key}))
	if err != nil || len(c.SecretKey) != 32 || c.SecretKey[31] != 31 {
		t.Fatalf("set: %v, %v", c.SecretKey, err)
	}
	for _, bad := range []string{"AAECAwQFBgcICQoLDA0ODw==", "not-base64-at-all!"} {
		_, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x/db", "SECRET_KEY": bad}))
		if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") || strings.Contains(err.Error(), bad) {
			t.Errorf("SECRET_KEY=%q: %v, want an error naming SECRET_KEY without the value", bad, err)
		}
	}
}

func TestInbound(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@h/db"}
	load := func(kv ...string) (*Config, error) {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return Load(func(k string) string { return env[k] })
	}
	c, err := load()
	if err != nil || c.Inbound != nil {
		t.Fatalf("unset: %+v, %v", c.Inbound, err)
	}
	c, err = load("INBOUND_IMAP_URL", "imaps://support%40example.com:s3cr%2Ft@mail.example.com/Support", "INBOUND_TEAM", "EU")
	if err != nil {
		t.Fatal(err)
	}
	want := Inbound{Host: "mail.example.com", Port: 993, Security: "tls", User: "support@example.com", Password: "s3cr/t",
		Folder: "Support", Team: "EU", Poll: 30 * time.Second}
	if *c.Inbound != want {
		t.Fatalf("got %+v, want %+v", *c.Inbound, want)
	}
	c, err = load("INBOUND_IMAP_URL", "imap://u:p@127.0.0.1:1143?tls=none", "INBOUND_POLL", "1m")
	if err != nil || c.Inbound.Security != "none" || c.Inbound.Port != 1143 || c.Inbound.Folder != "INBOX" || c.Inbound.Poll != time.Minute {
		t.Fatalf("local: %+v, %v", c.Inbound, err)
	}
	c, err = load("INBOUND_IMAP_URL", "imap://u:p@mail.example.com")
	if err != nil || c.Inbound.Security != "starttls" || c.Inbound.Port != 143 {
		t.Fatalf("starttls: %+v, %v", c.Inbound, err)
	}
	for _, bad := range []string{
		"imap://u:hunter2@mail.example.com?tls=none", // plaintext to another machine
		"pop3://u:hunter2@mail.example.com",
		"imaps://u@mail.example.com",
		"imaps://:hunter2@mail.example.com",
		"imaps://u:hunter2@mail.example.com:99999",
		"imaps://u:hunter2@mail.example.com?tls=maybe",
	} {
		_, err := load("INBOUND_IMAP_URL", bad)
		if err == nil {
			t.Errorf("%s: accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "INBOUND_IMAP_URL") {
			t.Errorf("%s: error %q repeats the password or does not name the variable", bad, err)
		}
	}
	if _, err := load("INBOUND_IMAP_URL", "imaps://u:p@h", "INBOUND_POLL", "1s"); err == nil {
		t.Error("a 1s poll accepted")
	}
}
