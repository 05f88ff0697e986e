package mailbox

import (
	"context"
	"log/slog"
	netmail "net/mail"

	"rapport/internal/config"
	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/internal/secret"
)

// Service holds what the mailbox pages and jobs need.
type Service struct {
	DB     *db.DB
	Pages  *httpx.Pages
	Log    *slog.Logger
	Box    *secret.Box // nil without SECRET_KEY: no mailbox can be added
	Poller *Poller
	// env is the INBOUND_IMAP_URL mailbox's settings, nil when unset.
	env *Settings
}

// NewService builds the service and its poller from the configuration.
func NewService(d *db.DB, pages *httpx.Pages, log *slog.Logger, box *secret.Box, cfg *config.Config) *Service {
	var own []string
	if a, err := netmail.ParseAddress(cfg.SMTP.From); err == nil {
		own = append(own, a.Address)
	}
	s := &Service{DB: d, Pages: pages, Log: log, Box: box,
		Poller: &Poller{DB: d, Box: box, Log: log, OwnAddresses: own, MaxFile: cfg.AttachmentMaxFile}}
	if cfg.Inbound != nil {
		fallback := ""
		if len(own) > 0 {
			fallback = own[0]
		}
		es := EnvSettings(cfg.Inbound, fallback)
		s.env = &es
	}
	return s
}

// SyncEnv brings the INBOUND_IMAP_URL mailbox into the table (the poll job runs it once
// per process, when the database answers).
func (s *Service) SyncEnv(ctx context.Context) error {
	if s.env != nil && s.Box == nil {
		s.Log.WarnContext(ctx, "INBOUND_IMAP_URL is set but SECRET_KEY is not: the mailbox password cannot be stored, so it is not polled")
		return nil
	}
	return SyncEnv(ctx, s.DB, s.Box, s.env)
}
