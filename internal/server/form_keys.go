package server

import (
	"context"
	"time"

	"rapport/internal/form"
)

// purgeFormKeys deletes create forms' one-time keys older than form.KeyTTL every
// interval until ctx ends. It rides on the session clean-up's clock (Options.
// SessionCleanup): one cheap DELETE per replica per interval, harmless when several
// replicas run it at once. The job library of a later issue takes it over.
func (s *Server) purgeFormKeys(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := form.PurgeKeys(ctx, s.db)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.WarnContext(ctx, "purge form keys", "err", err)
		case n > 0:
			s.log.InfoContext(ctx, "purged form keys", "deleted", n)
		}
	}
}
