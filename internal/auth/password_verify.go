package auth

import (
	"context"
	"errors"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// verifyPassword checks password against the user's stored hash (Hasher.Verify). A hash
// in a format Rapport does not know is a wrong password to the person typing it, and a
// warning in the log for whoever runs Rapport: never a 500, never a crash.
func (s *Service) verifyPassword(ctx context.Context, password, hash, userID string) (bool, error) {
	ok, err := s.Hasher.Verify(ctx, password, hash)
	if errors.Is(err, ErrUnknownHash) {
		s.Log.WarnContext(ctx, "password refused: the stored hash is in an unknown format",
			"user_id", userID, "err", err, "request_id", httpx.RequestID(ctx))
		return false, nil
	}
	return ok, err
}

// rehash replaces hash, which password was just verified against, by an argon2id hash
// with today's parameters when it is weaker or in another format (an adopted Better
// Auth hash). Only that hash is replaced: a password changed in the meantime wins. The
// sessions stay (it is the same password). A failure is logged, not shown: the old hash
// still verifies, and the next sign-in tries again.
func (s *Service) rehash(ctx context.Context, userID, password, hash string) {
	if !NeedsRehash(hash) {
		return
	}
	fresh, err := s.Hasher.Hash(ctx, password)
	if err == nil {
		_, err = s.DB.Exec(ctx, `UPDATE account SET password = $3, updated_at = now()
			WHERE user_id = $1 AND provider_id = 'credential' AND password = $2`, userID, hash, fresh)
		err = db.Translate(err)
	}
	if err != nil {
		s.Log.WarnContext(ctx, "password rehash failed", "user_id", userID, "err", err, "request_id", httpx.RequestID(ctx))
		return
	}
	s.Log.InfoContext(ctx, "password rehashed to argon2id", "user_id", userID, "request_id", httpx.RequestID(ctx))
}

// NoteAdoptedHashes tells the hasher, at start-up, whether any credential still holds a
// hash of another format (an adopted seed-stack database whose users have not all
// signed in since): then every refusal pays for both algorithms from the first request
// on (Hasher.Verify), not only once the process has met such a hash. A failure to look
// is logged; the hasher then learns it at the first such hash it verifies.
func (s *Service) NoteAdoptedHashes(ctx context.Context) {
	var found bool
	err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM account
		WHERE provider_id = 'credential' AND password IS NOT NULL AND password NOT LIKE '$argon2id$%')`).Scan(&found)
	if err != nil {
		s.Log.WarnContext(ctx, "could not look for adopted password hashes", "err", db.Translate(err))
		return
	}
	if found {
		s.Hasher.legacy.Store(true)
		s.Log.InfoContext(ctx, "some passwords still have their Better Auth hash: each is rehashed at its user's next sign-in")
	}
}
