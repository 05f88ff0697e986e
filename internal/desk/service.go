// Package desk is the support desk: the customer portal, the agent queue, threads with
// internal notes, assignment, SLA clocks, notifications and reports.
package desk

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/internal/live"
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

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
