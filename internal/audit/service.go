package audit

import (
	"rapport/internal/db"
	"rapport/internal/httpx"
)

// Service holds what the audit page's handler needs. The events themselves are written
// by the packages that make the changes (Record), not through it.
type Service struct {
	DB    *db.DB
	Pages *httpx.Pages
}
