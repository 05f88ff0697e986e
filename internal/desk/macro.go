package desk

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

// A macro is a canned reply with actions (migration 00062): a body with placeholders
// (macro_fill.go) and, each optional, the status, priority, assignee and team it sets.
// A shared macro (no owner) is everyone's on the desk and only admins edit it; a
// personal one is its owner's alone: nobody else sees it, admins included.
type macro struct {
	ID           string    `db:"id" json:"id"`
	OwnerID      *string   `db:"owner_id" json:"owner_id"`
	Name         string    `db:"name" json:"name"`
	Body         string    `db:"body" json:"body"`
	Status       *Status   `db:"status" json:"status"`
	Priority     *Priority `db:"priority" json:"priority"`
	AssigneeID   *string   `db:"assignee_id" json:"assignee_id"`
	AssigneeName *string   `db:"assignee_name" json:"assignee_name"`
	Team         *string   `db:"team" json:"team"`
	Tags         string    `db:"tags" json:"tags"`
	Version      int       `db:"version" json:"version"`
	UpdatedAt    time.Time `db:"updated_at" json:"updated_at"`
}

// Shared is true for a macro everyone on the desk uses.
func (m macro) Shared() bool { return m.OwnerID == nil }

// canEdit says whether u may change m: its owner, or an admin for a shared one.
func (m macro) canEdit(u *auth.User) bool {
	if m.OwnerID != nil {
		return *m.OwnerID == u.ID
	}
	return u.Role == auth.RoleAdmin
}

// macroColumns are a macro's columns for a row of m (with the assignee's name).
const macroColumns = `m.id, m.owner_id, m.name, m.body, m.status, m.priority, m.assignee_id,
       (SELECT u.name FROM "user" u WHERE u.id = m.assignee_id) AS assignee_name,
       m.team, m.tags, m.version, m.updated_at`

// macroVisible is the SQL condition for a macro $viewer may see.
const macroVisible = `(m.owner_id IS NULL OR m.owner_id = $1)`

// Shared macros first, then the viewer's own; each by name; at most 500 (a desk with
// more would need a search box). Two scans of
// macros_owner_name_idx (owner_id IS NULL, owner_id = $1).
const listMacrosSQL = `
SELECT ` + macroColumns + `
FROM macros m
WHERE ` + macroVisible + `
ORDER BY m.owner_id IS NOT NULL, lower(m.name), m.id
LIMIT 500`

// listMacros returns the macros viewer may use.
func listMacros(ctx context.Context, q db.Querier, viewer string) ([]macro, error) {
	rows, err := q.Query(ctx, listMacrosSQL, viewer)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[macro])
	return list, db.Translate(err)
}

const macroByIDSQL = `SELECT ` + macroColumns + ` FROM macros m WHERE ` + macroVisible + ` AND m.id = $2`

// macroByID loads a macro viewer may see; db.ErrNotFound for none (someone else's
// personal macro included).
func macroByID(ctx context.Context, q db.Querier, viewer, id string) (macro, error) {
	rows, err := q.Query(ctx, macroByIDSQL, viewer, id)
	if err != nil {
		return macro{}, db.Translate(err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[macro])
	return m, db.Translate(err)
}

// errMacroShared refuses an agent's change to a shared macro.
var errMacroShared = &httpx.PageError{Status: http.StatusForbidden, Heading: "Only admins change shared macros",
	Message: "This macro is shared by the whole desk: ask an admin to change it, or make a personal copy under New macro."}

// macroURL is a macro's edit page.
func macroURL(id string) string { return "/desk/macros/" + id }
