package server

import (
	"context"
	"errors"

	"rapport/internal/auth"
	"rapport/internal/crm"
	"rapport/internal/db"
	"rapport/internal/desk"
)

// wireCrossLinks connects the two halves of the product without either importing the
// other: the contact page shows the person's tickets, the ticket's side panel shows the
// requester's company and open deals. Each side owns its query; this only adapts types.
func wireCrossLinks(d *db.DB, c *crm.Service, k *desk.Service) {
	c.Tickets = func(ctx context.Context, email string) ([]crm.TicketLink, error) {
		list, err := desk.TicketsForEmail(ctx, d, email, 20)
		if err != nil {
			return nil, err
		}
		out := make([]crm.TicketLink, 0, len(list))
		for _, t := range list {
			out = append(out, crm.TicketLink{ID: t.ID, Subject: t.Subject, Status: string(t.Status),
				StatusLabel: t.Status.Label(), PriorityLabel: t.Priority.Label(), SLA: t.SLA, SLAState: t.SLAState})
		}
		return out, nil
	}
	// The global search's tickets group (agents and admins: crm.Service checks the
	// role), from the desk's ticket search.
	c.SearchTickets = func(ctx context.Context, q string, limit int) ([]crm.SearchHit, error) {
		hits, err := desk.SearchTicketHits(ctx, d, q, auth.UserFrom(ctx).ID, limit)
		if err != nil {
			return nil, err
		}
		out := make([]crm.SearchHit, 0, len(hits))
		for _, h := range hits {
			out = append(out, crm.SearchHit{Kind: "ticket", ID: h.ID, Title: h.Subject, Detail: h.Snippet,
				Field: "message", Extra: h.Requester + " · " + h.Status})
		}
		return out, nil
	}
	k.CRM = func(ctx context.Context, email string) (*desk.CRMContext, error) {
		snap, err := crm.CustomerSnapshot(ctx, d, email)
		if errors.Is(err, db.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		out := &desk.CRMContext{ContactID: snap.ContactID, ContactName: snap.ContactName,
			CompanyID: snap.CompanyID, CompanyName: snap.CompanyName}
		for _, deal := range snap.OpenDeals {
			out.OpenDeals = append(out.OpenDeals, desk.CRMDeal{ID: deal.ID, Title: deal.Title,
				StageLabel: deal.Stage.Label(), AmountCents: deal.AmountCents})
		}
		return out, nil
	}
}
