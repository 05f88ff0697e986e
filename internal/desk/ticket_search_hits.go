package desk

import (
	"context"
	"net/url"
	"time"

	"rapport/internal/db"
)

// TicketHit is a ticket found by the global search (GET /search): its subject, its
// requester, and the text that matched (the snippet's words, without its markers).
type TicketHit struct {
	ID, Subject, Requester, Status, Snippet string
}

// SearchTicketHits runs the desk's ticket search (searchSQL: subjects and every message,
// notes included) for the global search box, up to limit tickets, best first. Only staff
// reach it: the caller (the /search handler) shows it to agents and admins alone. A query
// the desk's search refuses (too long, no words) finds nothing.
func SearchTicketHits(ctx context.Context, q db.Querier, query, me string, limit int) ([]TicketHit, error) {
	sq, ok := parseSearch(url.Values{"q": {query}}, time.UTC)
	if !ok || !sq.Errors.OK() || sq.Q == "" {
		return nil, nil
	}
	rows, _, err := searchTickets(ctx, q, sq, me)
	if err != nil {
		return nil, err
	}
	var out []TicketHit
	for _, r := range rows {
		if len(out) == limit {
			break
		}
		var snippet string
		for _, p := range searchSnippet(r.Snippet) {
			snippet += p.Text
		}
		out = append(out, TicketHit{ID: r.ID, Subject: r.Subject, Requester: r.RequesterName,
			Status: r.Status.Label(), Snippet: snippet})
	}
	return out, nil
}
