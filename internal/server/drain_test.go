package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/server"
	"rapport/internal/testenv"
)

// With SHUTDOWN_DRAIN set, a stopping server first tells the load balancer (/readyz
// 503) while it still answers everything else, then stops cleanly.
func TestShutdownDrainsBeforeStopping(t *testing.T) {
	d := testenv.NewDB(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	const drain = 3 * time.Second
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"DATABASE_URL": d.PooledURL(), "DATABASE_URL_UNPOOLED": d.DirectURL(),
			"PORT": strconv.Itoa(port), "SHUTDOWN_DRAIN": drain.String(),
			// No metrics listener: its default port (9090) may be another program's.
			"METRICS_ADDR": "off",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	// get answers the status, the body and whether the server asked to close the
	// connection (Connection: close, which the client turns into resp.Close).
	get := func(path string) (int, string, bool) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, err.Error(), false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Close
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("/readyz 200", func() bool { code, _, _ := get("/readyz"); return code == http.StatusOK })
	if _, _, closing := get("/signin"); closing {
		t.Error("a running server closes connections after each response")
	}

	stopped := time.Now()
	stop()
	waitFor("/readyz 503", func() bool { code, _, _ := get("/readyz"); return code == http.StatusServiceUnavailable })
	code, body, _ := get("/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("draining /readyz = %d %q", code, body)
	}
	// Still serving pages while draining, but asking clients not to come back on this
	// connection.
	code, _, closing := get("/signin")
	if code != http.StatusOK || !closing {
		t.Errorf("draining /signin = %d, Connection: close %v; want 200, true", code, closing)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if took := time.Since(stopped); took < drain {
			t.Errorf("stopped %s after the signal, before the %s drain ended", took, drain)
		}
	case <-time.After(drain + 15*time.Second):
		t.Fatal("server did not stop after the drain")
	}
	if code, _, _ := get("/healthz"); code != 0 {
		t.Errorf("after shutdown /healthz answered %d", code)
	}
}
