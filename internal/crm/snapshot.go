package crm

import (
	"context"

	"rapport/internal/db"
)

// Snapshot is the CRM's view of a person, for the support desk's ticket side panel.
type Snapshot struct {
	ContactID   string
	ContactName string
	CompanyID   string // "" when the contact has no company
	CompanyName string
	OpenDeals   []SnapshotDeal
}

// SnapshotDeal is one open deal (lead or qualified) of the person.
type SnapshotDeal struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Stage       Stage  `json:"stage"`
	AmountCents int64  `json:"amount_cents"`
}

// One statement: the contact by email in any case (the contacts_email_unique index),
// its company, and its open deals aggregated soonest-closing first.
const snapshotSQL = `
SELECT c.id, coalesce(c.name, ''), coalesce(co.id::text, ''), coalesce(co.name, ''),
       coalesce((SELECT json_agg(json_build_object('id', d.id, 'title', d.title, 'stage', d.stage,
                                                   'amount_cents', d.amount_cents)
                                 ORDER BY d.close_date NULLS LAST, d.created_at)
                 FROM deals d
                 WHERE d.contact_id = c.id AND d.stage IN ('lead', 'qualified')), '[]')
FROM contacts c
LEFT JOIN companies co ON co.id = c.company_id
WHERE lower(c.email) = lower($1)`

// CustomerSnapshot returns the contact with email (any case), its company and its open
// deals, in one query; db.ErrNotFound when no contact has the email.
func CustomerSnapshot(ctx context.Context, q db.Querier, email string) (*Snapshot, error) {
	s := &Snapshot{}
	err := q.QueryRow(ctx, snapshotSQL, email).Scan(&s.ContactID, &s.ContactName, &s.CompanyID, &s.CompanyName, &s.OpenDeals)
	if err != nil {
		return nil, db.Translate(err)
	}
	return s, nil
}
