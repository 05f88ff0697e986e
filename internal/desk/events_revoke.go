package desk

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// accessChannel is where the database itself announces that a user's access changed:
// migration 00028's trigger on "user" sends the user's id whenever their
// session_version, role or banned flag changes, or the user is deleted, whichever code
// path (admin page, CLI, SQL) made the change. Every replica's listener hears it.
const accessChannel = "rapport_user_access"

// watcher is who a stream belongs to, with the access they had when it opened.
type watcher struct {
	user    string
	version int
	role    auth.Role
	banned  bool
}

func watcherOf(u *auth.User) watcher {
	return watcher{user: u.ID, version: u.SessionVersion, role: u.Role, banned: u.Banned}
}

// revoke ends every stream of user. Any change ends them, even one that keeps the user
// an agent: the browser reconnects within seconds, and that request's session and role
// checks decide whether the stream may open again.
func (h *hub) revoke(user string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, w := range h.subs {
		if w.user == user {
			delete(h.subs, ch)
			close(ch)
		}
	}
}

const accessSQL = `SELECT id, session_version, role, banned FROM "user" WHERE id = ANY($1)`

// recheck runs when the listener (re)connects: a change made while nothing listened
// sent its notification to no one, so every open stream's user is compared with the
// database once, on the LISTEN connection itself (not the pool), in one statement.
func (h *hub) recheck(ctx context.Context, conn *pgx.Conn) error {
	h.mu.Lock()
	users := make([]string, 0, len(h.subs))
	seen := map[string]bool{}
	for _, w := range h.subs {
		if !seen[w.user] {
			seen[w.user] = true
			users = append(users, w.user)
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
	now, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (watcher, error) {
		var w watcher
		err := row.Scan(&w.user, &w.version, &w.role, &w.banned)
		return w, err
	})
	if err != nil {
		return db.Translate(err)
	}
	current := make(map[string]watcher, len(now))
	for _, w := range now {
		current[w.user] = w
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, w := range h.subs {
		if !seen[w.user] { // it subscribed after the query: its session is newer
			continue
		}
		if c, ok := current[w.user]; !ok || c != w {
			delete(h.subs, ch)
			close(ch)
		}
	}
	return nil
}
