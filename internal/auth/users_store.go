package auth

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// UserFilter narrows the admin's user list. Nil fields do not filter.
type UserFilter struct {
	Query *string // a fragment of the name or email
	Role  *Role
	After *string // keyset: the last email of the previous page
	Limit int
}

// ListUsers returns one page of users ordered by email, and whether more follow.
func ListUsers(ctx context.Context, q db.Querier, f UserFilter) ([]*User, bool, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var like *string
	if f.Query != nil {
		l := "%" + escapeLike(*f.Query) + "%"
		like = &l
	}
	var role *string
	if f.Role != nil {
		r := string(*f.Role)
		role = &r
	}
	rows, err := q.Query(ctx, `SELECT `+userColumns+`
		FROM "user" u LEFT JOIN agents a ON a.user_id = u.id
		WHERE ($1::text IS NULL OR u.email ILIKE $1 OR u.name ILIKE $1)
		  AND ($2::text IS NULL OR u.role = $2)
		  AND ($3::text IS NULL OR u.email > $3)
		ORDER BY u.email
		LIMIT $4`, like, role, f.After, f.Limit+1)
	if err != nil {
		return nil, false, db.Translate(err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*User, error) { return scanUser(row) })
	if err != nil {
		return nil, false, db.Translate(err)
	}
	more := len(users) > f.Limit
	if more {
		users = users[:f.Limit]
	}
	return users, more, nil
}

func escapeLike(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// setBannedSQL changes the flag and returns the user's address and the flag as it was:
// the subquery locks the row first, so "was" is the value this update replaced.
const setBannedSQL = `
UPDATE "user" u SET banned = $2,
    session_version = u.session_version + CASE WHEN $2 THEN 1 ELSE 0 END, updated_at = now()
FROM (SELECT id, banned FROM "user" WHERE id = $1 FOR UPDATE) was
WHERE u.id = was.id
RETURNING u.email, was.banned`

// SetBanned deactivates (ending every session) or reactivates a user, in the caller's
// transaction, and returns the user's address and whether they were deactivated before.
func SetBanned(ctx context.Context, q db.Querier, userID string, banned bool) (email string, was bool, err error) {
	if err := q.QueryRow(ctx, setBannedSQL, userID, banned).Scan(&email, &was); err != nil {
		return "", false, db.Translate(err)
	}
	if banned {
		return email, was, endSessions(ctx, q, userID)
	}
	return email, was, nil
}
