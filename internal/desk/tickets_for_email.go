package desk

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// TicketSummary is a ticket as other parts of Rapport list it (the CRM's contact page,
// the desk's side panel).
type TicketSummary struct {
	ID        string
	Subject   string
	Status    Status
	Priority  Priority
	CreatedAt time.Time
	UpdatedAt time.Time
	// SLA is the SLA state in a few words: "due in 40m", "breached 2h", "paused, 3h
	// left", "met", "missed by 1h" or "no SLA"; for a first reply still owed it starts
	// with "first reply".
	SLA string
	// SLAState colours it: "ok", "warn" (due within the hour), "bad" or "".
	SLAState string
}

// The database's now() is the moment SLA states are computed at, so every caller sees
// the clock the queue sorts by.
const ticketsForEmailSQL = `
SELECT ` + summaryColumns + `
FROM "user" u
JOIN tickets t ON t.requester_id = u.id
WHERE u.email = $1 AND u.email_verified
ORDER BY t.created_at DESC, t.id DESC
LIMIT $2`

// summaryColumns are a summaryRow of ticket t.
const summaryColumns = `t.id, t.subject, t.status, t.priority, t.created_at, t.updated_at,
       t.sla_first_response_mins, t.sla_resolve_mins, t.first_response_at, t.solved_at,
       t.paused_since, t.paused_secs, t.first_response_due_at, t.resolve_due_at, now() AS now`

// summaryRow is a TicketSummary as read: a row, or an object of a JSON array of rows.
type summaryRow struct {
	ID                string     `db:"id" json:"id"`
	Subject           string     `db:"subject" json:"subject"`
	Status            Status     `db:"status" json:"status"`
	Priority          Priority   `db:"priority" json:"priority"`
	CreatedAt         time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at" json:"updated_at"`
	FirstResponseMins *int       `db:"sla_first_response_mins" json:"sla_first_response_mins"`
	ResolveMins       *int       `db:"sla_resolve_mins" json:"sla_resolve_mins"`
	FirstResponseAt   *time.Time `db:"first_response_at" json:"first_response_at"`
	SolvedAt          *time.Time `db:"solved_at" json:"solved_at"`
	PausedSince       *time.Time `db:"paused_since" json:"paused_since"`
	PausedSecs        int        `db:"paused_secs" json:"paused_secs"`
	FirstResponseDue  *time.Time `db:"first_response_due_at" json:"first_response_due_at"`
	ResolveDue        *time.Time `db:"resolve_due_at" json:"resolve_due_at"`
	Now               time.Time  `db:"now" json:"now"`
}

// summary is the row with its SLA state as of the database's now.
func (r summaryRow) summary() TicketSummary {
	in := clockFacts{r.CreatedAt, r.Status, r.FirstResponseMins, r.ResolveMins,
		r.FirstResponseAt, r.SolvedAt, r.PausedSince, r.PausedSecs}.input()
	in.FirstResponseDue, in.ResolveDue = r.FirstResponseDue, r.ResolveDue
	c := Compute(in, r.Now)
	return TicketSummary{ID: r.ID, Subject: r.Subject, Status: r.Status, Priority: r.Priority,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SLA: c.NextLabel(), SLAState: c.Next().State()}
}

// TicketsForEmail returns the tickets of the account with that email (any case), newest
// first, at most limit (1 to 100; 20 when limit is not positive). No account, no
// tickets, or an account that has not proven the address (anyone can sign up with any
// email) is an empty list.
func TicketsForEmail(ctx context.Context, q db.Querier, email string, limit int) ([]TicketSummary, error) {
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 100)
	rows, err := q.Query(ctx, ticketsForEmailSQL, strings.ToLower(strings.TrimSpace(email)), limit)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[summaryRow])
	if err != nil {
		return nil, db.Translate(err)
	}
	out := make([]TicketSummary, 0, len(list))
	for _, r := range list {
		out = append(out, r.summary())
	}
	return out, nil
}
