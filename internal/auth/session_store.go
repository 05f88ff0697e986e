package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// sessionStore is scs's Postgres store with two additions. It records the signed-in
// user beside each session (sessions.user_id), and it loads that user in the same
// statement as the session, so a page view pays one statement for "who is asking", not
// two. pgxstore still does the rest (expired-session cleanup, iteration). Every call has
// its own short deadline: a saturated pool costs a bounded wait and a 503, never the
// whole request timeout.
type sessionStore struct {
	*pgxstore.PostgresStore
	db    *db.DB
	wait  time.Duration
	codec scs.Codec
	// idle is the idle timeout and now the clock (tests move it): the lookup moves a
	// session's seen_at itself, and only while the session is not idle.
	idle time.Duration
	now  func() time.Time
}

// userSlot carries the user found with the session from the store to Load, and
// whether the browser presented a session that no longer exists (ended or expired).
type userSlot struct {
	user    *User
	missing bool
	// seen is the session's seen_at before this request (nil for a session saved before
	// the column existed: its time is in the data).
	seen *time.Time
}

type slotKey struct{}

// withSlot prepares the request for FindCtx to hand the user over.
func withSlot(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), slotKey{}, &userSlot{}))
}

func slotFrom(ctx context.Context) *userSlot {
	s, _ := ctx.Value(slotKey{}).(*userSlot)
	return s
}

// findSessionSQL loads a session with its user (two-step state, time zone and count of
// due activities included) and when it was last seen, and moves
// seen_at to now ($2) when it is more than a minute old ($3) but the session is not
// idle ($4): one statement, whatever the request. The SELECT reads the snapshot from
// before the UPDATE, so the caller judges idleness by the previous visit.
const findSessionSQL = `
WITH seen AS (
    UPDATE sessions SET seen_at = $2
    WHERE token = $1 AND current_timestamp < expiry AND seen_at < $3 AND seen_at > $4
    RETURNING token
)
SELECT s.data, s.seen_at, u.id, u.name, u.email, u.role, u.banned, u.session_version, a.team, u.created_at,
       ` + twoStepColumns + `, u.time_zone, u.activity_digest, ` + DueActivitiesSQL + `
FROM sessions s
LEFT JOIN "user" u ON u.id = s.user_id
LEFT JOIN agents a ON a.user_id = u.id
WHERE s.token = $1 AND current_timestamp < s.expiry`

// FindCtx returns the session's data and leaves its user in the request's slot.
func (st sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	qctx, cancel := context.WithTimeout(ctx, st.wait)
	defer cancel()
	var data []byte
	var id, name, email, role *string
	var banned *bool
	var version *int
	var team *string
	var created, seen *time.Time
	var twoStep, required bool
	var zone *string
	var digest *bool
	var due int
	now := st.now()
	err := st.db.QueryRow(qctx, findSessionSQL, token, now, now.Add(-seenRefresh), now.Add(-st.idle)).
		Scan(&data, &seen, &id, &name, &email, &role, &banned, &version, &team, &created, &twoStep, &required, &zone, &digest, &due)
	if errors.Is(err, pgx.ErrNoRows) {
		if slot := slotFrom(ctx); slot != nil {
			slot.missing = true
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, db.Translate(err)
	}
	if slot := slotFrom(ctx); slot != nil && id != nil {
		slot.seen = seen
		slot.user = &User{ID: *id, Name: *name, Email: *email, Role: Role(*role), Banned: *banned,
			SessionVersion: *version, Team: team, CreatedAt: *created, TwoStep: twoStep, TwoStepRequired: required,
			TimeZone: deref(zone), ActivityDigest: digest != nil && *digest, DueActivities: due}
	}
	return data, true, nil
}

// CommitCtx saves the session with the user id and the seen time found in its data.
// The data's seen time is written at sign-in and goes stale afterwards (the lookup moves
// seen_at), so a later save never moves seen_at back.
func (st sessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, st.wait)
	defer cancel()
	var uid, seen any
	if _, values, err := st.codec.Decode(data); err == nil {
		if s, ok := values[keyUID].(string); ok && s != "" {
			uid = s
		}
		if s, ok := values[keySeen].(int64); ok {
			seen = time.Unix(s, 0)
		}
	}
	_, err := st.db.Exec(ctx, `INSERT INTO sessions (token, data, expiry, user_id, seen_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_id = EXCLUDED.user_id,
			seen_at = GREATEST(sessions.seen_at, EXCLUDED.seen_at)`,
		token, data, expiry, uid, seen)
	return db.Translate(err)
}

// DeleteCtx removes a session.
func (st sessionStore) DeleteCtx(ctx context.Context, token string) error {
	ctx, cancel := context.WithTimeout(ctx, st.wait)
	defer cancel()
	_, err := st.db.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return db.Translate(err)
}

// endSessions deletes every session of the user except keep (a token, or "").
func endSessions(ctx context.Context, q db.Querier, userID, keep string) error {
	_, err := q.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token <> $2`, userID, keep)
	return db.Translate(err)
}

// StopCleanup ends the store's background deletion of expired sessions.
func StopCleanup(m *scs.SessionManager) {
	if st, ok := m.Store.(sessionStore); ok {
		st.StopCleanup()
	}
}
