package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"rapport/internal/db"
)

// One-time tokens live in "verification". The identifier is the purpose and the SHA-256
// of the token, so the table never holds a usable token; value is the user id.
const (
	purposeReset   = "reset-password"
	resetTokenTTL  = time.Hour
	inviteTokenTTL = 72 * time.Hour
)

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

// issueToken replaces the user's earlier tokens for purpose with a new one.
func issueToken(ctx context.Context, q db.Querier, purpose, userID string, ttl time.Duration) (string, error) {
	if _, err := q.Exec(ctx, `DELETE FROM verification WHERE value = $1 AND identifier LIKE $2`, userID, purpose+":%"); err != nil {
		return "", db.Translate(err)
	}
	token := newToken()
	_, err := q.Exec(ctx, `INSERT INTO verification (id, identifier, value, expires_at) VALUES ($1, $2, $3, now() + $4::interval)`,
		NewID(), tokenIdentifier(purpose, token), userID, ttl.String())
	return token, db.Translate(err)
}

// recentToken reports whether a token for purpose was issued to the user within d
// (so repeated "forgot password" requests do not flood the inbox).
func recentToken(ctx context.Context, q db.Querier, purpose, userID string, d time.Duration) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM verification WHERE value = $1 AND identifier LIKE $2 AND created_at > now() - $3::interval`,
		userID, purpose+":%", d.String()).Scan(&n)
	return n > 0, db.Translate(err)
}

// peekToken returns the user id a live token belongs to, without using it up.
func peekToken(ctx context.Context, q db.Querier, purpose, token string) (string, error) {
	var uid string
	err := q.QueryRow(ctx, `SELECT value FROM verification WHERE identifier = $1 AND expires_at > now()`,
		tokenIdentifier(purpose, token)).Scan(&uid)
	return uid, db.Translate(err)
}

// consumeToken uses a live token up and returns its user id; ErrNotFound when the token
// is unknown, used or expired. Two concurrent uses cannot both succeed.
func consumeToken(ctx context.Context, q db.Querier, purpose, token string) (string, error) {
	var uid string
	err := q.QueryRow(ctx, `DELETE FROM verification WHERE identifier = $1 AND expires_at > now() RETURNING value`,
		tokenIdentifier(purpose, token)).Scan(&uid)
	return uid, db.Translate(err)
}
