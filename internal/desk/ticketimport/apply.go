package ticketimport

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// Result is what an import did.
type Result struct {
	Imported, Skipped, NewCustomers int
}

// newRequestersSQL makes a customer account (no password: they can claim it with
// "forgot password") for each address that has none; $1 ids, $2 emails, $3 names.
const newRequestersSQL = `
WITH v AS (
    SELECT DISTINCT ON (v.email) v.id, v.email, v.name
    FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, email, name)
    WHERE NOT EXISTS (SELECT 1 FROM "user" u WHERE u.email = v.email)
    ORDER BY v.email
), u AS (
    INSERT INTO "user" (id, name, email, role, email_verified)
    SELECT id, name, email, 'customer', false FROM v
    ON CONFLICT DO NOTHING
    RETURNING id
)
INSERT INTO account (id, account_id, provider_id, user_id, password)
SELECT 'imp-' || u.id, u.id, 'credential', u.id, NULL FROM u`

// insertTicketsSQL writes the tickets not imported before (by import_ref) and, for each
// one with text, its first message from the requester at the ticket's creation time:
// the desk's triggers then keep its SLA fields and clock bookkeeping as for any ticket.
const insertTicketsSQL = `
WITH v AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[])
        AS v(email, subject, status, priority, created, solved, ref, body)
), t AS (
    INSERT INTO tickets (requester_id, subject, status, priority, created_at, solved_at, team, import_ref)
    SELECT u.id, v.subject, v.status, v.priority, v.created, v.solved, nullif($9, ''), v.ref
    FROM v JOIN "user" u ON u.email = v.email
    ON CONFLICT (import_ref) WHERE import_ref IS NOT NULL DO NOTHING
    RETURNING id, requester_id, created_at, import_ref
), m AS (
    INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, created_at)
    SELECT t.id, t.requester_id, v.body, false, t.created_at
    FROM t JOIN v ON v.ref = t.import_ref
    WHERE v.body <> ''
)
SELECT count(*) FROM t`

// Apply writes f's rows in one transaction, into team ("" for none), and says what it
// did; rows imported by an earlier run are skipped. record, when set, runs last in the
// same transaction (the audit entry).
func Apply(ctx context.Context, d *db.DB, f *File, team string, record func(context.Context, pgx.Tx, Result) error) (Result, error) {
	n := len(f.Rows)
	ids, emails, names := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	subjects, statuses, prios, refs, bodies := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created, solved := make([]time.Time, n), make([]*time.Time, n)
	for i, r := range f.Rows {
		ids, emails, names = append(ids, auth.NewID()), append(emails, r.Email), append(names, r.Name)
		subjects[i], statuses[i], prios[i], refs[i], bodies[i] = r.Subject, r.Status, r.Priority, r.Ref, r.Body
		created[i] = r.Created
		if !r.Solved.IsZero() {
			s := r.Solved
			solved[i] = &s
		}
	}
	var res Result
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, newRequestersSQL, ids, emails, names)
		if err != nil {
			return err
		}
		res.NewCustomers = int(tag.RowsAffected())
		if err := tx.QueryRow(ctx, insertTicketsSQL, emails, subjects, statuses, prios, created, solved, refs, bodies, team).Scan(&res.Imported); err != nil {
			return err
		}
		res.Skipped = n - res.Imported
		if record != nil {
			return record(ctx, tx, res)
		}
		return nil
	})
	return res, db.Translate(err)
}
