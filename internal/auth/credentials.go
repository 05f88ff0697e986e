package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
)

// Password rules: long enough to resist guessing, short enough that hashing a hostile
// megabyte is refused before it costs anything.
const (
	minPasswordLen = 10
	maxPasswordLen = 128
)

// emailField is the form's "email", normalised (invalid UTF-8 kept for Email to refuse).
func emailField(r *http.Request) string { return form.NormalizeEmail(r.PostFormValue("email")) }

// checkPassword adds a message for a password that breaks the rules.
func checkPassword(errs form.Errors, field, pw, email string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		errs.Add(field, "Password is required.")
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		errs.Add(field, "Password contains characters that are not allowed.")
	case n < minPasswordLen:
		errs.Add(field, "Password is too short: use at least 10 characters.")
	case n > maxPasswordLen:
		errs.Add(field, "Password is too long: at most 128 characters.")
	case email != "" && strings.EqualFold(pw, email):
		errs.Add(field, "Password must not be your email address.")
	}
}

// credentialByEmail loads a user and their password hash in one statement.
func credentialByEmail(ctx context.Context, q db.Querier, email string) (*User, string, error) {
	u := &User{}
	var role, hash string
	var pw *string
	err := q.QueryRow(ctx, `
		SELECT u.id, u.name, u.email, u.role, u.banned, u.session_version, a.password
		FROM "user" u JOIN account a ON a.user_id = u.id AND a.provider_id = 'credential'
		WHERE u.email = $1`, email).Scan(&u.ID, &u.Name, &u.Email, &role, &u.Banned, &u.SessionVersion, &pw)
	if err != nil {
		return nil, "", db.Translate(err)
	}
	if pw != nil {
		hash = *pw
	}
	u.Role = Role(role)
	return u, hash, nil
}

// passwordHash loads the user's credential hash.
func passwordHash(ctx context.Context, q db.Querier, userID string) (string, error) {
	var pw *string
	err := q.QueryRow(ctx, `SELECT password FROM account WHERE user_id = $1 AND provider_id = 'credential'`, userID).Scan(&pw)
	if err != nil || pw == nil {
		return "", db.Translate(err)
	}
	return *pw, nil
}

// setPassword stores a new hash, deletes every session of the user and bumps
// session_version (so a session in flight is refused too); it returns the new version.
func setPassword(ctx context.Context, tx pgx.Tx, userID, hash string) (int, error) {
	if _, err := tx.Exec(ctx, `
		INSERT INTO account (id, account_id, provider_id, user_id, password) VALUES ($1, $2, 'credential', $2, $3)
		ON CONFLICT (provider_id, user_id) DO UPDATE SET password = EXCLUDED.password, updated_at = now()`,
		NewID(), userID, hash); err != nil {
		return 0, db.Translate(err)
	}
	if err := endSessions(ctx, tx, userID, ""); err != nil {
		return 0, err
	}
	var v int
	err := tx.QueryRow(ctx, `UPDATE "user" SET session_version = session_version + 1, updated_at = now() WHERE id = $1 RETURNING session_version`, userID).Scan(&v)
	return v, db.Translate(err)
}

// CheckPassword applies the password rules outside a form (the CLI).
func CheckPassword(pw, email string) error {
	errs := form.Errors{}
	checkPassword(errs, "password", pw, email)
	if msg, bad := errs["password"]; bad {
		return errors.New(msg)
	}
	return nil
}
