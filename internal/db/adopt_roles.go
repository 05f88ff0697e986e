package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// adoptedUser is a user of the seed stack with the role the data gives them: the seed
// has no roles, so a row in agents makes an agent, owning contacts or deals a rep
// (sales), and anyone else (who files tickets, or nothing yet) a customer, the role
// that can see least. --admin names the first admin.
type adoptedUser struct {
	id, email, role, why string
}

const adoptedUsersSQL = `
WITH c AS (SELECT owner_id AS id, count(*) AS n FROM contacts GROUP BY owner_id),
     d AS (SELECT owner_id AS id, count(*) AS n FROM deals GROUP BY owner_id),
     t AS (SELECT requester_id AS id, count(*) AS n FROM tickets GROUP BY requester_id)
SELECT u.id, u.email, a.user_id IS NOT NULL, coalesce(a.team, ''),
       coalesce(c.n, 0), coalesce(d.n, 0), coalesce(t.n, 0)
FROM "user" u
LEFT JOIN agents a ON a.user_id = u.id
LEFT JOIN c ON c.id = u.id
LEFT JOIN d ON d.id = u.id
LEFT JOIN t ON t.id = u.id
ORDER BY u.email, u.id`

// adoptedRoles reads every user and the role their data gives them, admin (an email,
// lower-cased; "" for none) made admin. An admin email no user has is an error.
func adoptedRoles(ctx context.Context, tx pgx.Tx, admin string) ([]adoptedUser, error) {
	rows, err := tx.Query(ctx, adoptedUsersSQL)
	if err != nil {
		return nil, err
	}
	var out []adoptedUser
	var id, email, team string
	var agent bool
	var contacts, deals, tickets int64
	found := admin == ""
	_, err = pgx.ForEachRow(rows, []any{&id, &email, &agent, &team, &contacts, &deals, &tickets}, func() error {
		u := adoptedUser{id: id, email: email}
		var did []string
		if agent {
			did = append(did, "agent profile"+map[bool]string{true: " (team " + team + ")", false: ""}[team != ""])
		}
		if contacts > 0 {
			did = append(did, plural(contacts, "contact"))
		}
		if deals > 0 {
			did = append(did, plural(deals, "deal"))
		}
		if tickets > 0 {
			did = append(did, plural(tickets, "ticket")+" filed")
		}
		switch {
		case agent:
			u.role = "agent"
		case contacts > 0 || deals > 0:
			u.role = "sales"
		default:
			u.role = "customer"
		}
		if len(did) == 0 {
			did = append(did, "nothing yet")
		}
		u.why = strings.Join(did, ", ")
		if admin != "" && strings.EqualFold(email, admin) {
			u.role, u.why, found = "admin", "--admin; "+u.why, true
		}
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("--admin %s: no user has that email", admin)
	}
	return out, nil
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// setRoles stores the roles in one statement.
func setRoles(ctx context.Context, tx pgx.Tx, users []adoptedUser) error {
	ids := make([]string, len(users))
	roles := make([]string, len(users))
	for i, u := range users {
		ids[i], roles[i] = u.id, u.role
	}
	_, err := tx.Exec(ctx, `UPDATE "user" u SET role = v.role
		FROM unnest($1::text[], $2::text[]) AS v(id, role) WHERE u.id = v.id AND u.role IS DISTINCT FROM v.role`, ids, roles)
	return err
}
