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

// SetBanned deactivates (ending every session) or reactivates a user.
func SetBanned(ctx context.Context, q db.Querier, userID string, banned bool) error {
	tag, err := q.Exec(ctx, `UPDATE "user" SET banned = $2,
		session_version = session_version + CASE WHEN $2 THEN 1 ELSE 0 END, updated_at = now()
		WHERE id = $1`, userID, banned)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return db.ErrNotFound
	}
	if banned {
		return endSessions(ctx, q, userID, "")
	}
	return nil
}
