package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// One-time tokens live in "verification". The identifier is the purpose and the SHA-256
// of the token, so the table never holds a usable token; value is the user id.
//
// A user may hold several live tokens of a purpose at once (two forgot-password emails
// both work): the first one used deletes the others of its kind (consumeToken), and
// issuing a token deletes only the user's expired ones.
const (
	purposeReset  = "reset-password"
	purposeInvite = "invite"       // sets the first password of staff, like a reset
	purposeVerify = "verify-email" // proves the address of a self-sign-up
	// purposeNotice marks that a "you already have an account" email went out, so a
	// burst of sign-ups with someone's address sends them one; it is never a link.
	purposeNotice = "signup-notice"

	resetTokenTTL  = time.Hour
	inviteTokenTTL = 72 * time.Hour
	verifyTokenTTL = 72 * time.Hour
	// floodGap is the least time between two emails of one purpose to one account.
	floodGap = time.Minute
)

// setPasswordPurposes are the links that choose a password: using one uses them all up.
var setPasswordPurposes = []string{purposeReset, purposeInvite}

// maxTokenLen bounds a token taken from a link or a form before it is hashed and looked
// up: ours are 43 characters, so anything much longer is not one of ours.
const maxTokenLen = 100

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenIdentifier(purpose, token string) string {
	sum := sha256.Sum256([]byte(token))
	return purpose + ":" + hex.EncodeToString(sum[:])
}

func tokenIdentifiers(token string, purposes []string) []string {
	ids := make([]string, len(purposes))
	for i, p := range purposes {
		ids[i] = tokenIdentifier(p, token)
	}
	return ids
}

func purposePatterns(purposes []string) []string {
	pats := make([]string, len(purposes))
	for i, p := range purposes {
		pats[i] = p + ":%"
	}
	return pats
}

// issueToken adds a new token for purpose; the user's live tokens stay valid, their
// expired ones of that purpose are cleared away.
func issueToken(ctx context.Context, q db.Querier, purpose, userID string, ttl time.Duration) (string, error) {
	if _, err := q.Exec(ctx, clearExpiredTokensSQL, userID, purpose+":%"); err != nil {
		return "", db.Translate(err)
	}
	token := newToken()
	_, err := q.Exec(ctx, `INSERT INTO verification (id, identifier, value, expires_at) VALUES ($1, $2, $3, now() + $4::interval)`,
		NewID(), tokenIdentifier(purpose, token), userID, ttl.String())
	return token, db.Translate(err)
}

const clearExpiredTokensSQL = `DELETE FROM verification WHERE value = $1 AND identifier LIKE $2 AND expires_at <= now()`

// recentToken reports whether a token for purpose was issued to the user within d
// (so repeated "forgot password" requests do not flood the inbox).
func recentToken(ctx context.Context, q db.Querier, purpose, userID string, d time.Duration) (bool, error) {
	var n int
	err := q.QueryRow(ctx, recentTokenSQL, userID, purpose+":%", d.String()).Scan(&n)
	return n > 0, db.Translate(err)
}

const recentTokenSQL = `SELECT count(*) FROM verification WHERE value = $1 AND identifier LIKE $2 AND created_at > now() - $3::interval`

// oncePer reports whether the user's purpose may happen now, and if so records it: true
// at most once per d, however many requests race (one row per user and purpose, moved
// forward only when it has run out).
func oncePer(ctx context.Context, q db.Querier, purpose, userID string, d time.Duration) (bool, error) {
	rows, err := q.Query(ctx, `
		INSERT INTO verification (id, identifier, value, expires_at) VALUES ($1, $2, $3, now() + $4::interval)
		ON CONFLICT (identifier) DO UPDATE SET expires_at = EXCLUDED.expires_at, created_at = now(), updated_at = now()
		WHERE verification.expires_at <= now()
		RETURNING id`, NewID(), purpose+":"+userID, userID, d.String())
	if err != nil {
		return false, db.Translate(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	return n > 0, db.Translate(rows.Err())
}

// peekToken returns the user id and purpose of a live token of one of purposes, without
// using it up.
func peekToken(ctx context.Context, q db.Querier, token string, purposes ...string) (uid, purpose string, err error) {
	var identifier string
	err = q.QueryRow(ctx, peekTokenSQL, tokenIdentifiers(token, purposes)).Scan(&uid, &identifier)
	if err != nil {
		return "", "", db.Translate(err)
	}
	return uid, purposeOf(identifier, purposes), nil
}

const peekTokenSQL = `SELECT value, identifier FROM verification WHERE identifier = ANY($1) AND expires_at > now()`

func purposeOf(identifier string, purposes []string) string {
	for _, p := range purposes {
		if strings.HasPrefix(identifier, p+":") {
			return p
		}
	}
	return ""
}

// consumeToken uses a live token of one of purposes and returns its user id and
// purpose; ErrNotFound when the token is unknown, used or expired. Every other token of
// those purposes the user holds goes with it (the first link followed kills the rest).
// The user's row is locked first, so two links of one user used at once cannot both
// succeed, and the deletions never deadlock.
func consumeToken(ctx context.Context, tx pgx.Tx, token string, purposes ...string) (uid, purpose string, err error) {
	uid, purpose, err = peekToken(ctx, tx, token, purposes...)
	if err != nil {
		return "", "", err
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM "user" WHERE id = $1 FOR UPDATE`, uid); err != nil {
		return "", "", db.Translate(err)
	}
	var live int
	err = tx.QueryRow(ctx, consumeTokensSQL, uid, purposePatterns(purposes), tokenIdentifier(purpose, token)).Scan(&live)
	if err != nil {
		return "", "", db.Translate(err)
	}
	if live == 0 { // another link of the user was used first, in the meantime
		return "", "", db.ErrNotFound
	}
	return uid, purpose, nil
}

// consumeTokensSQL deletes the user's tokens of the purposes and counts whether the one
// being used was among them, still live.
const consumeTokensSQL = `
WITH gone AS (
    DELETE FROM verification WHERE value = $1 AND identifier LIKE ANY($2) RETURNING identifier, expires_at
)
SELECT count(*) FROM gone WHERE identifier = $3 AND expires_at > now()`

// tokenLink is an absolute URL on base (a path when base is nil) carrying a token.
func tokenLink(base *url.URL, path, token string) string {
	u := pageLink(base, path)
	return u + "?" + url.Values{"token": {token}}.Encode()
}

// pageLink is the absolute URL of path on base (path itself when base is nil).
func pageLink(base *url.URL, path string) string {
	if base == nil {
		return path
	}
	u := *base
	u.Path = base.Path + path
	u.RawQuery = ""
	return u.String()
}
