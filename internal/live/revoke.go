package live

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// revoke ends every stream of user. Any change ends them, even one that keeps the user
// an agent: the browser reconnects within seconds, and that request's session and role
// checks decide whether the stream may open again.
func (h *Hub) revoke(user string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, s := range h.subs {
		if s.who.User == user {
			delete(h.subs, ch)
			close(ch)
		}
	}
}

const accessSQL = `SELECT id, session_version, role, banned FROM "user" WHERE id = ANY($1)`

// recheck runs when the listener (re)connects: a change made while nothing listened
// sent its notification to no one, so every open stream's user is compared with the
// database once, on the LISTEN connection itself (not the pool), in one statement.
func (h *Hub) recheck(ctx context.Context, conn *pgx.Conn) error {
	h.mu.Lock()
	users := make([]string, 0, len(h.subs))
	seen := map[string]bool{}
	for _, s := range h.subs {
		if !seen[s.who.User] {
			seen[s.who.User] = true
			users = append(users, s.who.User)
		}
	}
	h.mu.Unlock()
	if len(users) == 0 {
		return nil
	}
	rows, err := conn.Query(ctx, accessSQL, users)
	if err != nil {
		return db.Translate(err)
	}
	now, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Watcher, error) {
		var w Watcher
		err := row.Scan(&w.User, &w.Version, &w.Role, &w.Banned)
		return w, err
	})
	if err != nil {
		return db.Translate(err)
	}
	current := make(map[string]Watcher, len(now))
	for _, w := range now {
		current[w.User] = w
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, s := range h.subs {
		if !seen[s.who.User] { // it subscribed after the query: its session is newer
			continue
		}
		if c, ok := current[s.who.User]; !ok || c != s.who {
			delete(h.subs, ch)
			close(ch)
		}
	}
	return nil
}
