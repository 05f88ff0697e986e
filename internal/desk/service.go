// Package desk is the support desk: the customer portal, the agent queue, threads with
// internal notes, assignment, SLA clocks, notifications and reports.
package desk

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"rapport/internal/attach"
	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/internal/live"
	"rapport/internal/mail"
)

// Service holds what the desk's handlers need.
type Service struct {
	DB    *db.DB
	Pages *httpx.Pages
	Log   *slog.Logger
	// Live is the process's live-update hub (internal/live): the queue's stream
	// subscribes to EventsChannel on it.
	Live *live.Hub
	// CRM returns the CRM's view of a requester by email (the crm package provides it;
	// the server wires it), for the ticket's side panel. Nil shows none.
	CRM func(ctx context.Context, email string) (*CRMContext, error)
	// BaseURL, when set, makes emails carry a link to the ticket.
	BaseURL *url.URL
	// Mail addresses and signs the desk's emails (its Base is BaseURL).
	Mail Outbound
	// Attachments bounds uploads; the zero value is the defaults.
	Attachments attach.Limits
	// Work bounds the database work after an upload was read (REQUEST_TIMEOUT; zero
	// is 10s): reading the upload has a deadline of its own.
	Work time.Duration
	// Now is the clock SLA states are shown at (tests fix it); nil is time.Now.
	Now func() time.Time
}

// CRMContext is what the agent's side panel shows of a requester from the CRM.
type CRMContext struct {
	ContactID   string
	ContactName string
	CompanyID   string
	CompanyName string
	OpenDeals   []CRMDeal
}

// CRMDeal is one open deal of the requester.
type CRMDeal struct {
	ID          string
	Title       string
	StageLabel  string // the CRM's name for the deal's stage
	AmountCents int64
}

// outbound is s.Mail with its links under BaseURL.
// Outbound is how the desk's emails link, sign and address themselves (the mailbox's
// poller files tickets with it).
func (s *Service) Outbound() Outbound { return s.outbound() }

func (s *Service) outbound() Outbound {
	o := s.Mail
	o.Base = s.BaseURL
	return o
}

// domain is where Message-IDs are minted: Domain, else the support address's.
func (o Outbound) domain() string {
	if o.Domain != "" {
		return o.Domain
	}
	return mail.Domain(o.Support)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
