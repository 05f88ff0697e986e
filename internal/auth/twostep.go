package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"rapport/internal/db"
)

// Two-step sign-in for staff: a time-based one-time password (TOTP, RFC 6238) with the
// parameters every authenticator app uses (HMAC-SHA1, 6 digits, 30-second steps), and
// ten one-time recovery codes (recovery_codes.go). The secret is sealed at rest under
// SECRET_KEY (internal/secret); without that key two-step sign-in is unavailable: nobody
// can enrol, and users already enrolled can pass the second step only with a recovery
// code (the codes are hashed, not sealed).
//
// A code is accepted from one step before to one step after the server's clock (about
// ±30 seconds of drift), and at most once: the step of the last accepted code is stored
// and only a later step passes, in the statement that accepts it (acceptStep), so two
// requests with the same code cannot both pass.
const (
	totpPeriod  = 30
	totpSkew    = 1
	totpDigits  = otp.DigitsSix
	totpIssuer  = "Rapport"
	secretBytes = 20 // 160 bits, RFC 4226's recommendation

	enrolPath      = "/account/two-step"
	secondStepPath = "/signin/two-step"
)

// The second step is throttled like the password (throttle.go), by account and address
// and by account alone: past 5 wrong codes in 15 minutes an address is refused for that
// account; past 10 in an hour, from everywhere, the account slows to one attempt every 15
// minutes. Codes are 6 digits and three are valid at once, so someone who already holds
// the password gets at most 13 guesses an hour (about 310 a day, odds of about 1 in 1,000
// a day), each one in the audit log; the owner, meanwhile, should change the password.
var (
	twoStepPair    = rule{Name: "twostep-pair", Limit: 5, Window: 15 * time.Minute, ForgetOnRelease: true}
	twoStepAccount = rule{Name: "twostep-account", Limit: 10, Window: time.Hour, Every: 15 * time.Minute}
)

// twoStepCounters are the counters of a second step for the user from ip.
func twoStepCounters(userID, ip string) []counter {
	return []counter{twoStepPair.On(userID + "|" + ip), twoStepAccount.On(userID)}
}

// offersTwoStep reports whether a role may use two-step sign-in: staff. Customers are
// not offered it.
func offersTwoStep(r Role) bool { return r == RoleSales || r == RoleAgent || r == RoleAdmin }

// mustEnrol reports whether u is held back until they set up two-step sign-in: their
// role requires it and they have none. Without SECRET_KEY nobody can enrol, so nobody
// is held back (the admin page says so).
func (s *Service) mustEnrol(u *User) bool {
	return u != nil && s.Secrets != nil && offersTwoStep(u.Role) && u.TwoStepRequired && !u.TwoStep
}

// twoStepPurpose is what a user's sealed secret is bound to: it opens for that user only.
func twoStepPurpose(userID string) string { return "twostep:" + userID }

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTOTPSecret is a fresh random secret.
func newTOTPSecret() []byte {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// totpKey is the otpauth:// key of a secret for u, which the QR code carries.
func totpKey(u *User, raw []byte) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Secret: raw,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
}

// qrDataURI is the key's QR code as a PNG data: URI (the page's CSP allows data: images),
// rendered on the server: the secret never leaves it for another service.
func qrDataURI(k *otp.Key) (string, error) {
	img, err := k.Image(232, 232)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// groupedSecret is the secret in base32 in groups of four, for typing into an app.
func groupedSecret(raw []byte) string {
	s := base32NoPad.EncodeToString(raw)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// totpCode returns a typed authenticator code as its 6 digits ("123 456" and
// "123-456" are fine), and false when it is not one.
func totpCode(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(s))
	if len(s) != totpDigits.Length() {
		return "", false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return s, true
}

// matchStep returns the time step, within totpSkew steps of now, whose code is code
// (the latest if several), and whether there is one. Every candidate is computed and
// compared in constant time.
func matchStep(raw []byte, code string, now time.Time) (int64, bool) {
	secret := base32NoPad.EncodeToString(raw)
	current := now.Unix() / totpPeriod
	var found int64
	ok := false
	for st := current + totpSkew; st >= current-totpSkew; st-- {
		want, err := hotp.GenerateCodeCustom(secret, uint64(st), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			found, ok = st, true
		}
	}
	return found, ok
}

// twoStepState is what the account pages show of a user's two-step sign-in.
type twoStepState struct {
	Enabled   bool
	EnabledAt time.Time
	Pending   bool   // an enrolment waits for its first code
	Sealed    []byte // the sealed secret (enabled or pending)
	CodesLeft int    // unused recovery codes
}

const twoStepStateSQL = `
SELECT t.enabled_at, t.secret,
       (SELECT count(*) FROM twostep_recovery_code c WHERE c.user_id = $1 AND c.used_at IS NULL)
FROM (VALUES (1)) x LEFT JOIN user_twostep t ON t.user_id = $1`

// loadTwoStep reads the user's two-step state in one statement.
func loadTwoStep(ctx context.Context, q db.Querier, userID string) (twoStepState, error) {
	var st twoStepState
	var enabled *time.Time
	err := q.QueryRow(ctx, twoStepStateSQL, userID).Scan(&enabled, &st.Sealed, &st.CodesLeft)
	if err != nil {
		return twoStepState{}, db.Translate(err)
	}
	if enabled != nil {
		st.Enabled, st.EnabledAt = true, *enabled
	} else {
		st.Pending = st.Sealed != nil
	}
	return st, nil
}

// beginEnrolmentSQL stores a pending secret, replacing an earlier pending one; it
// changes nothing when two-step sign-in is already on (no row returned).
const beginEnrolmentSQL = `
INSERT INTO user_twostep (user_id, secret) VALUES ($1, $2)
ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_step = NULL
    WHERE user_twostep.enabled_at IS NULL
RETURNING true`

// beginEnrolment stores sealed as the user's pending secret; false when two-step
// sign-in is on already.
func beginEnrolment(ctx context.Context, q db.Querier, userID string, sealed []byte) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, beginEnrolmentSQL, userID, sealed).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return ok, db.Translate(err)
}

// confirmEnrolmentSQL turns the pending secret on with its first code's step; $3 is the
// secret the code was checked against, so a secret replaced meanwhile (another tab
// started over) is not turned on by a code of the old one.
const confirmEnrolmentSQL = `
UPDATE user_twostep SET enabled_at = now(), last_step = $2
WHERE user_id = $1 AND enabled_at IS NULL AND secret = $3`

// confirmEnrolment turns two-step sign-in on; false when the pending secret is gone or
// was replaced.
func confirmEnrolment(ctx context.Context, q db.Querier, userID string, step int64, sealed []byte) (bool, error) {
	tag, err := q.Exec(ctx, confirmEnrolmentSQL, userID, step, sealed)
	if err != nil {
		return false, db.Translate(err)
	}
	return tag.RowsAffected() == 1, nil
}

// acceptStepSQL accepts a code's step once: only a step after the last accepted one.
const acceptStepSQL = `
UPDATE user_twostep SET last_step = $2
WHERE user_id = $1 AND enabled_at IS NOT NULL AND (last_step IS NULL OR last_step < $2)`

// acceptStep records step as used; false when it (or a later one) was used already.
func acceptStep(ctx context.Context, q db.Querier, userID string, step int64) (bool, error) {
	tag, err := q.Exec(ctx, acceptStepSQL, userID, step)
	if err != nil {
		return false, db.Translate(err)
	}
	return tag.RowsAffected() == 1, nil
}

// removeTwoStepSQL turns two-step sign-in off (or drops a pending enrolment) and voids
// the recovery codes; it returns whether it was on.
const removeTwoStepSQL = `
WITH codes AS (DELETE FROM twostep_recovery_code WHERE user_id = $1)
DELETE FROM user_twostep WHERE user_id = $1 RETURNING enabled_at IS NOT NULL`

// removeTwoStep turns the user's two-step sign-in off; false when it was not on.
func removeTwoStep(ctx context.Context, q db.Querier, userID string) (bool, error) {
	var on bool
	err := q.QueryRow(ctx, removeTwoStepSQL, userID).Scan(&on)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return on, db.Translate(err)
}

// secondStepUserSQL loads a user for the second step with their enabled secret (NULL
// when two-step sign-in is no longer on).
const secondStepUserSQL = `
SELECT u.id, u.name, u.email, u.role, u.banned, u.session_version, t.secret
FROM "user" u LEFT JOIN user_twostep t ON t.user_id = u.id AND t.enabled_at IS NOT NULL
WHERE u.id = $1`

// secondStepUser loads the user a pending sign-in is for; ErrNotFound when there is none.
func secondStepUser(ctx context.Context, q db.Querier, userID string) (*User, []byte, error) {
	u := &User{}
	var role string
	var sealed []byte
	err := q.QueryRow(ctx, secondStepUserSQL, userID).Scan(&u.ID, &u.Name, &u.Email, &role, &u.Banned, &u.SessionVersion, &sealed)
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	u.Role, u.TwoStep = Role(role), sealed != nil
	return u, sealed, nil
}

// endAllSessions signs the user out everywhere: a new session_version (a request in
// flight is refused too) and no session rows.
func endAllSessions(ctx context.Context, q db.Querier, userID string) error {
	tag, err := q.Exec(ctx, `UPDATE "user" SET session_version = session_version + 1, updated_at = now() WHERE id = $1`, userID)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return db.ErrNotFound
	}
	return endSessions(ctx, q, userID)
}
