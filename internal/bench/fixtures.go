package bench

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Bench users per unit of scale, as seed.Scale creates them.
var usersPerScale = map[Role]int{RoleSales: 10, RoleAgent: 5, RoleCustomer: 1000}

// benchEmail is the k-th (from 0) bench user of role; beyond the seeded number the
// users repeat, each repeat a session of its own.
func benchEmail(role Role, k, scale int) string {
	return fmt.Sprintf("bench-%s-%d@example.com", role, 1+k%(usersPerScale[role]*scale))
}

// searchTerms are names the scale seed gives contacts, as a rep would type them.
var searchTerms = []string{"chen", "garcia", "patel", "rossi", "nguyen", "tanaka", "maya", "olivia",
	"hugo", "farid", "keiko", "schmidt", "silva", "murphy", "okafor", "zoe"}

// Fixtures are the ids the load works on, read from the database before it starts, so
// that the load itself sends nothing but HTTP.
type Fixtures struct {
	Deals map[string][]string // sales rep's email -> deals they own
	Open  []ReplyTicket       // open tickets in a fixed pseudo-random order
	World World
}

// dealsPerRep is how many of their deals each rep's deal pages and activities spread over.
const dealsPerRep = 50

const repDealsSQL = `
SELECT u.email, array(SELECT d.id::text FROM deals d WHERE d.owner_id = u.id ORDER BY md5(d.id::text) LIMIT $2)
FROM "user" u WHERE u.email = ANY($1)`

const openTicketsSQL = `
SELECT id::text, status, priority, coalesce(assignee_id, ''), coalesce(team, ''), version
FROM tickets WHERE status = 'open' ORDER BY md5(id::text) LIMIT $1`

const viewTicketsSQL = `
SELECT id::text FROM tickets WHERE status IN ('open', 'pending') ORDER BY md5(id::text || 'view') LIMIT 1000`

// LoadFixtures reads the deals of reps (emails) and open tickets (at least openNeeded).
func LoadFixtures(ctx context.Context, conn *pgx.Conn, reps []string, openNeeded int) (*Fixtures, error) {
	f := &Fixtures{Deals: map[string][]string{}, World: World{SearchTerms: searchTerms}}
	rows, err := conn.Query(ctx, repDealsSQL, reps, dealsPerRep)
	if err != nil {
		return nil, fmt.Errorf("fixtures: deals: %w", err)
	}
	for rows.Next() {
		var email string
		var ids []string
		if err := rows.Scan(&email, &ids); err != nil {
			return nil, err
		}
		f.Deals[email] = ids
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fixtures: deals: %w", err)
	}
	for _, r := range reps {
		if len(f.Deals[r]) == 0 {
			return nil, fmt.Errorf("fixtures: %s owns no deal (is the database seeded at scale?)", r)
		}
	}
	f.Open, err = collect(ctx, conn, openTicketsSQL, []any{openNeeded}, func(r pgx.CollectableRow) (ReplyTicket, error) {
		var t ReplyTicket
		return t, r.Scan(&t.ID, &t.Status, &t.Priority, &t.Assignee, &t.Team, &t.Version)
	})
	if err != nil {
		return nil, fmt.Errorf("fixtures: open tickets: %w", err)
	}
	if len(f.Open) < openNeeded {
		return nil, fmt.Errorf("fixtures: %d open tickets, %d needed", len(f.Open), openNeeded)
	}
	f.World.ViewTickets, err = collect(ctx, conn, viewTicketsSQL, nil, pgx.RowTo[string])
	if err != nil || len(f.World.ViewTickets) == 0 {
		return nil, fmt.Errorf("fixtures: tickets to view: %d, %v", len(f.World.ViewTickets), err)
	}
	return f, nil
}

func collect[T any](ctx context.Context, conn *pgx.Conn, sql string, args []any, fn pgx.RowToFunc[T]) ([]T, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, fn)
}

// Cast builds n users of each role for the server at base. Agent k replies to the
// open tickets replies[k*each : (k+1)*each], so no two agents race on a version.
func (f *Fixtures) Cast(base string, n, scale int, replies []ReplyTicket, each int) map[Role][]*User {
	cast := map[Role][]*User{}
	for _, role := range []Role{RoleSales, RoleAgent, RoleCustomer} {
		for k := range n {
			u := NewUser(base, benchEmail(role, k, scale), role)
			switch role {
			case RoleSales:
				u.Deals = f.Deals[u.Email]
			case RoleAgent:
				u.Replies = append([]ReplyTicket(nil), replies[k*each:(k+1)*each]...)
			}
			cast[role] = append(cast[role], u)
		}
	}
	return cast
}

// RepEmails are the emails of the first n sales reps.
func RepEmails(n, scale int) []string {
	var out []string
	for k := range n {
		out = append(out, benchEmail(RoleSales, k, scale))
	}
	return out
}
