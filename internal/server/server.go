// Package server wires Rapport together: configuration, the pool, sessions, the handler
// packages, middleware and every route (routes.go), and runs the HTTP server with a
// graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"strconv"
	"sync/atomic"
	"time"

	"rapport/internal/attach"
	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/crm"
	"rapport/internal/crm/activity"
	"rapport/internal/db"
	"rapport/internal/desk"
	"rapport/internal/desk/mailbox"
	"rapport/internal/desk/ticketimport"
	"rapport/internal/httpx"
	"rapport/internal/jobs"
	"rapport/internal/live"
	"rapport/internal/mail"
	"rapport/internal/secret"
)

// Server holds every dependency a handler may need; nothing is global.
type Server struct {
	cfg      *config.Config
	log      *slog.Logger
	db       *db.DB
	pages    *httpx.Pages
	auth     *auth.Service
	crm      *crm.Service
	activity *activity.Service
	desk     *desk.Service
	tickets  *ticketimport.Service
	mailbox  *mailbox.Service
	live     *live.Hub
	audit    *audit.Service
	metrics  *metrics
	// draining is set when shutdown begins: /readyz answers 503 from then on.
	draining atomic.Bool
}

// Options tune a Server for tests; the zero value is production.
type Options struct {
	// HasherSlots bounds concurrent password hashes (default: number of CPUs).
	HasherSlots int
	// Now is the clock sessions are timed by (tests move it).
	Now func() time.Time
	// metrics, when set, is the collector already tracing the pool's statements.
	metrics *metrics
}

// New builds the application on an open pool.
func New(cfg *config.Config, log *slog.Logger, d *db.DB, opts Options) *Server {
	pages := &httpx.Pages{Log: log, Secure: cfg.Secure()}
	m := opts.metrics
	if m == nil {
		m = newMetrics()
	}
	m.reg.MustRegister(poolCollector{db: d})
	var box *secret.Box
	if cfg.SecretKey != nil {
		var err error
		if box, err = secret.New(cfg.SecretKey); err != nil {
			panic(err) // config.Load checked the key's length
		}
	}
	s := &Server{
		cfg: cfg, log: log, db: d, pages: pages, metrics: m,
		auth: &auth.Service{
			DB: d, Hasher: auth.NewHasher(opts.HasherSlots), Pages: pages, Log: log,
			BaseURL: cfg.BaseURL, TrustProxy: cfg.TrustProxy, Now: opts.Now, Secrets: box, Provision: provision,
			Sessions: auth.SessionSettings{Secure: cfg.Secure(), Lifetime: cfg.SessionLifetime, Idle: cfg.SessionIdle,
				Wait: cfg.DBAcquireTimeout + 2*time.Second},
		},
	}
	s.crm = &crm.Service{DB: d, Pages: pages, Log: log}
	s.activity = &activity.Service{DB: d, Pages: pages, Log: log, BaseURL: cfg.BaseURL}
	s.live = live.New(cfg.DirectURL, log, desk.EventsChannel)
	s.desk = &desk.Service{DB: d, Pages: pages, Log: log, Live: s.live, BaseURL: cfg.BaseURL,
		Mail: deskOutbound(cfg), Work: cfg.RequestTimeout,
		Attachments: attach.Limits{File: cfg.AttachmentMaxFile, Message: cfg.AttachmentMaxMessage}}
	s.tickets = &ticketimport.Service{DB: d, Pages: pages, Log: log}
	s.audit = &audit.Service{DB: d, Pages: pages}
	s.mailbox = mailbox.NewService(d, pages, log, box, cfg)
	s.mailbox.Poller.Mail = s.desk.Outbound()
	wireCrossLinks(d, s.crm, s.desk)
	s.auth.Deactivated = desk.ReleaseTickets
	return s
}

// MetricsHandler is Prometheus' /metrics, for the metrics listener: METRICS_TOKEN,
// when set, is required as a bearer token.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler(s.cfg.MetricsToken))
	return mux
}

// Close ends open event streams.
func (s *Server) Close() {
	s.live.Close()
}

// Run serves until ctx is cancelled (SIGTERM), then answers 503 on /readyz for
// SHUTDOWN_DRAIN while still serving, stops accepting, lets in-flight requests finish,
// stops the mail worker and closes the pool.
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	if cfg.DirectURLFallback {
		log.Warn("DATABASE_URL_UNPOOLED is not set: using DATABASE_URL for session-level work; set it to Neon's direct endpoint")
	}
	if cfg.SecretKey == nil {
		log.Warn("SECRET_KEY is not set: two-step sign-in is unavailable (no enrolment, and enrolled users can sign in only with a recovery code); set it to the base64 of 32 random bytes")
	}
	m := newMetrics()
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxConns: cfg.DBMaxConns, AcquireTimeout: cfg.DBAcquireTimeout, Tracer: m})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Ping(ctx); err != nil {
		log.Warn("database not reachable at start-up; serving anyway, /readyz reports it", "err", err)
	}

	s := New(cfg, log, d, Options{metrics: m})
	defer s.Close()
	s.auth.NoteAdoptedHashes(ctx)

	var sender mail.Sender
	if cfg.SMTP.Enabled() {
		sender = mail.NewSMTPSender(cfg.SMTP)
	} else {
		log.Warn("SMTP_HOST is not set: emails are written to the log")
		sender = mail.NewLogSender(log)
	}
	// Background jobs (internal/jobs, registered in jobs.go): started before serving,
	// stopped once the last request has finished, before the pool closes.
	runner, err := jobs.New(d.Pool, log, s.Jobs(), jobs.Options{})
	if err != nil {
		return err
	}
	jctx, stopStarting := context.WithCancel(context.WithoutCancel(ctx))
	runner.StartWhenReady(jctx, log)
	defer func() {
		// A soft stop first (running jobs finish), then the start's context ends: that
		// stops any retry, and any job still running is cancelled.
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := runner.Stop(sctx); err != nil {
			log.Warn("jobs did not stop cleanly", "err", err)
		}
		stopStarting()
	}()

	wctx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		if err := mail.NewWorker(d, sender, log).Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("mail worker stopped", "err", err)
		}
	}()

	srv := &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 20*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Event streams never finish by themselves: end them when shutdown begins, so
	// in-flight page requests are all Shutdown waits for.
	srv.RegisterOnShutdown(s.live.Close)
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		stopWorker()
		return fmt.Errorf("listen on port %d: %w", cfg.Port, err)
	}
	var msrv *http.Server
	if cfg.MetricsAddr != "" {
		// Prometheus' convention: metrics on a port of their own, by default on the
		// loopback only, so the public port never exposes them.
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			stopWorker()
			return fmt.Errorf("listen on METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		msrv = &http.Server{Handler: s.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 20 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		log.Info("serving metrics", "addr", mln.Addr().String())
		go func() {
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
		// Still scraped while draining; closed once the server has stopped.
		defer msrv.Close()
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		stopWorker()
		<-workerDone
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	if cfg.ShutdownDrain > 0 {
		// Still serving, but no longer ready, and no longer keeping connections alive:
		// the load balancer moves new requests to other instances meanwhile.
		log.Info("shutting down: draining", "for", cfg.ShutdownDrain.String())
		srv.SetKeepAlivesEnabled(false)
		select {
		case <-time.After(cfg.ShutdownDrain):
		case err := <-errc:
			stopWorker()
			<-workerDone
			return err
		}
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopWorker()
	<-workerDone
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// deskOutbound is how the desk's emails sign and address themselves: from SMTP_FROM
// with the agent's name before its display name, answering to SUPPORT_ADDRESS's +token
// form, with Message-IDs in the support address's domain.
func deskOutbound(cfg *config.Config) desk.Outbound {
	sender := "Rapport"
	if a, err := netmail.ParseAddress(cfg.SMTP.From); err == nil && a.Name != "" {
		sender = a.Name
	}
	return desk.Outbound{Support: cfg.SupportAddress, Sender: sender, Domain: mail.Domain(cfg.SupportAddress),
		CSATKey: desk.CSATKey(cfg.SecretKey)}
}
