package attach

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/db"
)

// Serve writes f's bytes from store as a download: Content-Disposition attachment with
// the name both as an ASCII fallback and as RFC 6266's UTF-8 filename*, nosniff, a
// Content-Type from ServedType (never one a browser would run as a page), and a
// sandboxing Content-Security-Policy in case a browser shows it anyway. The access
// check is the caller's: it found f through a query scoped to the viewer.
func Serve(ctx context.Context, w http.ResponseWriter, q db.Querier, store Store, f File) error {
	rc, err := store.Open(ctx, q, f.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", ServedType(f.ContentType))
	h.Set("Content-Disposition", Disposition(f.Name))
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("serve attachment %s: %w", f.ID, err)
	}
	return nil
}

// Disposition is the Content-Disposition of a download called name: an ASCII fallback
// (anything else, quotes and backslashes become "_") and filename* with the name
// percent-encoded in UTF-8 (RFC 6266, RFC 8187).
func Disposition(name string) string {
	name = CleanName(name)
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + pathEscape(name)
}

// pathEscape percent-encodes all but RFC 8187's attr-char.
func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
