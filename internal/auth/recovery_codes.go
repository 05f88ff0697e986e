package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// Recovery codes: ten per user, each ten characters of Crockford's base32 (50 random
// bits), shown as two groups of five ("7kq2m-x9c4d"), once, when they are made. Only
// their SHA-256 is stored: the codes are random and long enough that a fast hash is
// enough. Each code works once; a new set voids the old one.
const (
	recoveryCodeCount = 10
	recoveryCodeLen   = 10
	// Crockford's base32 alphabet, lower case: no i, l, o or u (typed as 1, 1 and 0;
	// u is not a digit).
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
)

// newRecoveryCodes makes a set of codes, formatted for people, and their hashes.
func newRecoveryCodes() (codes []string, hashes [][]byte) {
	for range recoveryCodeCount {
		b := make([]byte, recoveryCodeLen)
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		for i := range b {
			b[i] = recoveryAlphabet[b[i]&31] // 256 is a multiple of 32: uniform
		}
		code := string(b)
		codes = append(codes, code[:5]+"-"+code[5:])
		hashes = append(hashes, recoveryCodeHash(code))
	}
	return codes, hashes
}

// recoveryCodeHash is what is stored of a normalised code.
func recoveryCodeHash(code string) []byte {
	h := sha256.Sum256([]byte("rapport-recovery:" + code))
	return h[:]
}

// recoveryCode returns a typed recovery code normalised (lower case, without spaces or
// hyphens, i and l read as 1, o as 0), and false when it cannot be one.
func recoveryCode(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "", "\u00a0", "", "i", "1", "l", "1", "o", "0").Replace(strings.ToLower(strings.TrimSpace(s)))
	if len(s) != recoveryCodeLen {
		return "", false
	}
	for _, c := range []byte(s) {
		if strings.IndexByte(recoveryAlphabet, c) < 0 {
			return "", false
		}
	}
	return s, true
}

// replaceRecoveryCodesSQL voids the user's codes and stores a new set, in one statement.
const replaceRecoveryCodesSQL = `
WITH old AS (DELETE FROM twostep_recovery_code WHERE user_id = $1)
INSERT INTO twostep_recovery_code (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS u (h)`

// replaceRecoveryCodes gives the user a new set of codes (by their hashes).
func replaceRecoveryCodes(ctx context.Context, q db.Querier, userID string, hashes [][]byte) error {
	_, err := q.Exec(ctx, replaceRecoveryCodesSQL, userID, hashes)
	return db.Translate(err)
}

// useRecoveryCodeSQL uses an unused code once; it returns how many unused codes are left.
// The count's subquery reads the snapshot from before the update, which still holds this
// code as unused.
const useRecoveryCodeSQL = `
UPDATE twostep_recovery_code SET used_at = now()
WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL
RETURNING (SELECT count(*) - 1 FROM twostep_recovery_code c WHERE c.user_id = $1 AND c.used_at IS NULL)`

// useRecoveryCode marks the code used; false when the user has no such unused code.
func useRecoveryCode(ctx context.Context, q db.Querier, userID string, hash []byte) (left int, ok bool, err error) {
	err = q.QueryRow(ctx, useRecoveryCodeSQL, userID, hash).Scan(&left)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, db.Translate(err)
	}
	return left, true, nil
}

// RecoveryCodesCreate replaces the signed-in user's recovery codes with a new set,
// after their current password (POST /account/two-step/recovery-codes). The new codes
// are shown on this answer, once: the page is not a redirect, because the codes are
// stored nowhere a later GET could read them from.
func (s *Service) RecoveryCodesCreate(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	u := UserFrom(ctx)
	st, err := loadTwoStep(ctx, s.DB, u.ID)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !st.Enabled {
		s.Pages.Flash(w, r, "info", "Two-step sign-in is off: there are no recovery codes to replace.")
		httpx.Redirect(w, r, enrolPath)
		return
	}
	problem, status, err := s.confirmPassword(w, r, u, r.PostFormValue("current_password"))
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if problem != "" {
		v := s.twoStepView(ctx, u, st)
		v.CodesError = problem
		s.Pages.Render(w, r, status, twoStepTitle, twoStepPage(v))
		return
	}
	codes, hashes := newRecoveryCodes()
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := replaceRecoveryCodes(ctx, tx, u.ID, hashes); err != nil {
			return err
		}
		return audit.Record(ctx, tx, userEvent(audit.TwoStepCodes, u, u))
	})
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Your new recovery codes", recoveryCodesPage(recoveryCodesView{Codes: codes, Home: u.Role.Home()}))
}
