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

// reserveSignIn reserves a sign-in attempt (reserve, on counters) and loads the account
// of email with its password hash and two-step state, in one statement: the account is
// read whatever the verdict (an index lookup), so a sign-in costs no round trip more for
// it. The user is nil when no account has the email.
func reserveSignIn(ctx context.Context, q db.Querier, counters []counter, email string) (verdict, *User, string, error) {
	counters = sorted(counters)
	keys, lims, wins, everies := columns(counters)
	rows, err := q.Query(ctx, reserveSignInSQL, keys, lims, wins, everies, email)
	if err != nil {
		return verdict{}, nil, "", db.Translate(err)
	}
	v := newVerdict(counters)
	var u *User
	var hash string
	for rows.Next() {
		var id, name, mail, role, pw *string
		var banned *bool
		var version *int
		var twoStep, required *bool
		if err := v.scan(rows, &id, &name, &mail, &role, &banned, &version, &pw, &twoStep, &required); err != nil {
			rows.Close()
			return verdict{}, nil, "", err
		}
		if id != nil && u == nil {
			u = &User{ID: *id, Name: *name, Email: *mail, Role: Role(*role), Banned: *banned, SessionVersion: *version,
				TwoStep: *twoStep, TwoStepRequired: *required}
			if pw != nil {
				hash = *pw
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return verdict{}, nil, "", db.Translate(err)
	}
	got, err := v.finish(ctx, q)
	return got, u, hash, err
}

// reserveSignInSQL is reserveSQL with the account beside each key's verdict ($5: the
// email), NULLs when there is none.
const reserveSignInSQL = reserveCountedSQL + `, verdict AS (` + reserveVerdictSQL + `)
SELECT v.*, c.* FROM verdict v LEFT JOIN (
    SELECT u.id, u.name, u.email, u.role, u.banned, u.session_version, a.password, ` + twoStepColumns + `
    FROM "user" u JOIN account a ON a.user_id = u.id AND a.provider_id = 'credential'
    WHERE u.email = $5) c ON true`

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
	if err := endSessions(ctx, tx, userID); err != nil {
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
