package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Rapport's session store: the auth_session table (migrations/00039_auth_session.sql).
// A browser holds a random token in its cookie; the table holds the token's SHA-256, so
// neither a copy of the table nor a log of its statements can be replayed as a cookie.

// tokenBytes is a token's length: 256 random bits, 43 characters in the cookie.
const tokenBytes = 32

// tokenHash is the SHA-256 of a session token: the key of its row.
type tokenHash []byte

// newSessionToken returns a fresh token for the cookie and the hash to store.
func newSessionToken() (string, tokenHash) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand since Go 1.24)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(b), sum[:]
}

// hashSessionToken is the hash of a cookie's token, and false when the value cannot be
// a token (then no row can match, and none is looked up).
func hashSessionToken(v string) (tokenHash, bool) {
	if len(v) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) != tokenBytes {
		return nil, false
	}
	sum := sha256.Sum256(b)
	return sum[:], true
}

// session is a request's session as the lookup found it.
type session struct {
	hash tokenHash
	id   string
	// user is the signed-in user (nil while a sign-in waits for its second step) and
	// version the session_version it signed in at.
	user    *User
	version int
	// pending is the sign-in waiting for its second step, if any.
	pending *pendingSignIn
	// seen is when the session was last seen before this request (the idle clock).
	seen time.Time
	// list is the user's live sessions, this one included (at most 50, the most
	// recently seen), when the route asked for them (SessionListing); nil otherwise.
	list []SessionInfo
}

// SessionInfo is one of a user's live sessions, as the account page lists it.
type SessionInfo struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	SeenAt    time.Time `json:"seen_at"`
	UserAgent string    `json:"user_agent"`
	Address   string    `json:"address"`
	// Current is the session of the request that lists them ("this device").
	Current bool `json:"current"`
}

// findSessionSQL loads a session ($1, its token's hash) with its user (two-step state,
// time zone and count of due activities included) or its pending sign-in, in one statement whatever the request. It moves
// seen_at to now ($2) when that is more than a minute old ($3) but the session is not
// idle ($4); the SELECT reads the snapshot from before the UPDATE, so the caller judges
// idleness by the previous visit. findSessionListingSQL, for the account page, also
// reads the user's live sessions (at most 50, the most recently seen); every other
// page sends the shorter text.
const (
	findSessionSQL        = findSessionHead + `, NULL::json` + findSessionTail
	findSessionListingSQL = findSessionHead + `,
       (SELECT coalesce(json_agg(o ORDER BY o.current DESC, o.seen_at DESC, o.id), '[]') FROM (
           SELECT o.id, o.created_at, o.seen_at, o.user_agent, o.address, o.token_hash = s.token_hash AS current
           FROM auth_session o
           WHERE o.user_id = s.user_id AND $2 < o.expires_at AND o.seen_at > $4
           ORDER BY o.seen_at DESC
           LIMIT 50) o)` + findSessionTail

	findSessionHead = `
WITH seen AS (
    UPDATE auth_session SET seen_at = $2
    WHERE token_hash = $1 AND $2 < expires_at AND seen_at < $3 AND seen_at > $4
    RETURNING token_hash
)
SELECT s.id, s.version, s.seen_at, s.pending_user_id, s.pending_until, s.next,
       u.id, u.name, u.email, u.role, u.banned, u.session_version, a.team, u.created_at,
       ` + twoStepColumns + `, u.time_zone, u.activity_digest,
       u.notify_receipt, u.notify_assigned, u.notify_new_tickets, ` + DueActivitiesSQL
	findSessionTail = `
FROM auth_session s
LEFT JOIN "user" u ON u.id = s.user_id
LEFT JOIN agents a ON a.user_id = u.id
WHERE s.token_hash = $1 AND $2 < s.expires_at`
)

// findSession loads the session of hash as of now (idle: the idle timeout), with the
// user's live sessions when list is set; db.ErrNotFound when there is none (ended,
// expired, or never).
func findSession(ctx context.Context, q db.Querier, hash tokenHash, now time.Time, idle time.Duration, list bool) (*session, error) {
	s := &session{hash: hash}
	var pendingUser *string
	var next string
	var pendingUntil *time.Time
	var id, name, email, role *string
	var banned *bool
	var version *int
	var team *string
	var created *time.Time
	var twoStep, required bool
	var zone *string
	var digest, receipt, assigned, notices *bool
	var due *int
	var sessions []SessionInfo
	sql := findSessionSQL
	if list {
		sql = findSessionListingSQL
	}
	err := q.QueryRow(ctx, sql, []byte(hash), now, now.Add(-seenRefresh), now.Add(-idle)).
		Scan(&s.id, &s.version, &s.seen, &pendingUser, &pendingUntil, &next,
			&id, &name, &email, &role, &banned, &version, &team, &created, &twoStep, &required, &zone, &digest,
			&receipt, &assigned, &notices, &due, &sessions)
	if err != nil {
		return nil, db.Translate(err)
	}
	if id != nil {
		s.user = &User{ID: *id, Name: *name, Email: *email, Role: Role(*role), Banned: *banned,
			SessionVersion: *version, Team: team, CreatedAt: *created, TwoStep: twoStep, TwoStepRequired: required,
			TimeZone: deref(zone), ActivityDigest: digest != nil && *digest, DueActivities: deref(due),
			NotifyReceipt: receipt != nil && *receipt, NotifyAssigned: assigned != nil && *assigned, NotifyNew: notices != nil && *notices}
		s.list = sessions
		if list && s.list == nil {
			s.list = []SessionInfo{}
		}
	}
	if pendingUser != nil && pendingUntil != nil {
		s.pending = &pendingSignIn{userID: *pendingUser, version: s.version, until: *pendingUntil, next: next}
	}
	return s, nil
}

// newSession is a session row to write.
type newSession struct {
	hash      tokenHash
	userID    string // the signed-in user, or
	pending   *pendingSignIn
	version   int
	now       time.Time
	expires   time.Time
	userAgent string
	address   string
}

// startSessionSQL writes a new session and deletes the one it replaces ($2, the hash of
// the token the browser presented, NULL for none): a fresh token at every sign-in, so a
// token planted before cannot be promoted (no fixation).
const startSessionSQL = `
WITH replaced AS (DELETE FROM auth_session WHERE token_hash = $2)
INSERT INTO auth_session (token_hash, user_id, version, pending_user_id, pending_until, next,
                          created_at, seen_at, expires_at, user_agent, address)
VALUES ($1, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11)`

// startSession writes n in place of the session replaced (nil for none).
func startSession(ctx context.Context, q db.Querier, n newSession, replaced tokenHash) error {
	var uid, pendingUID *string
	var until *time.Time
	next := ""
	if n.pending != nil {
		pendingUID, until, next = &n.pending.userID, &n.pending.until, n.pending.next
	} else {
		uid = &n.userID
	}
	_, err := q.Exec(ctx, startSessionSQL, []byte(n.hash), []byte(replaced), uid, n.version, pendingUID, until, next,
		n.now, n.expires, n.userAgent, n.address)
	return db.Translate(err)
}

// deleteSession removes the session of hash.
func deleteSession(ctx context.Context, q db.Querier, hash tokenHash) error {
	_, err := q.Exec(ctx, `DELETE FROM auth_session WHERE token_hash = $1`, []byte(hash))
	return db.Translate(err)
}

const endSessionsSQL = `DELETE FROM auth_session WHERE user_id = $1 OR pending_user_id = $1`

// endSessions deletes every session of the user, signed in or waiting for the second
// step: a user's sessions end at once (password change, deactivation, role change).
func endSessions(ctx context.Context, q db.Querier, userID string) error {
	_, err := q.Exec(ctx, endSessionsSQL, userID)
	return db.Translate(err)
}

// endOtherSessionsSQL deletes the user's sessions but the one of $2 ("sign out
// everywhere else"), pending sign-ins of the account included.
const endOtherSessionsSQL = `
DELETE FROM auth_session WHERE (user_id = $1 OR pending_user_id = $1) AND token_hash <> $2`

// endOtherSessions signs the user out everywhere but the session of keep; it returns
// how many sessions ended.
func endOtherSessions(ctx context.Context, q db.Querier, userID string, keep tokenHash) (int64, error) {
	tag, err := q.Exec(ctx, endOtherSessionsSQL, userID, []byte(keep))
	return tag.RowsAffected(), db.Translate(err)
}

// endSessionByIDSQL deletes one of the user's other sessions, by its id on the account
// page, and says which it was.
const endSessionByIDSQL = `
DELETE FROM auth_session WHERE id = $1 AND user_id = $2 AND token_hash <> $3 RETURNING user_agent`

// endSessionByID signs the user's session id out (never the session of keep); it
// returns its user agent, and db.ErrNotFound when the user has no such other session
// (ended already, or not theirs).
func endSessionByID(ctx context.Context, q db.Querier, userID, id string, keep tokenHash) (string, error) {
	var ua string
	err := q.QueryRow(ctx, endSessionByIDSQL, id, userID, []byte(keep)).Scan(&ua)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", db.ErrNotFound
	}
	return ua, db.Translate(err)
}

// purgeSessionsSQL deletes the sessions whose absolute lifetime is over (idle ones are
// refused at once, and go when their lifetime ends).
const purgeSessionsSQL = `DELETE FROM auth_session WHERE expires_at <= $1`

// PurgeSessions deletes the sessions expired at now, and returns how many.
func PurgeSessions(ctx context.Context, q db.Querier, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, purgeSessionsSQL, now)
	return tag.RowsAffected(), db.Translate(err)
}
