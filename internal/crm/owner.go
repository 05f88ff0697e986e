package crm

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/web"
)

// Owner is a user records can be assigned to: a sales rep or an admin who is active.
type Owner struct {
	ID   string `db:"id"`
	Name string `db:"name"`
}

const ownersSQL = `
SELECT id, name FROM "user"
WHERE role IN ('sales', 'admin') AND NOT banned
ORDER BY name, id`

// ListOwners returns everyone a deal or contact can be assigned to, by name.
func ListOwners(ctx context.Context, q db.Querier) ([]Owner, error) {
	rows, err := q.Query(ctx, ownersSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	owners, err := pgx.CollectRows(rows, pgx.RowToStructByName[Owner])
	return owners, db.Translate(err)
}

const assignableSQL = `
SELECT EXISTS (SELECT 1 FROM "user" WHERE id = $1 AND role IN ('sales', 'admin') AND NOT banned)`

// Assignable reports whether id is a user records can be assigned to.
func Assignable(ctx context.Context, q db.Querier, id string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, assignableSQL, id).Scan(&ok)
	return ok, db.Translate(err)
}

// checkOwner validates an owner_id field: it must name an assignable user.
func checkOwner(ctx context.Context, q db.Querier, id string) (string, error) {
	if id == "" {
		return "Choose an owner.", nil
	}
	if len(id) > 64 || form.Check(id, 64, false) != "" {
		return "Choose an owner from the list.", nil
	}
	ok, err := Assignable(ctx, q, id)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return "", err
	}
	if !ok {
		return "Choose an owner from the list: a sales rep or an admin.", nil
	}
	return "", nil
}

func ownerOptions(owners []Owner) []web.Option {
	o := make([]web.Option, 0, len(owners))
	for _, u := range owners {
		o = append(o, web.Option{Value: u.ID, Label: u.Name})
	}
	return o
}
