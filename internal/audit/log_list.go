package audit

import (
	"math"
	"net/http"

	"rapport/internal/cursor"
)

// LogList is the audit log for admins, newest first, with filters and keyset pages
// (GET /admin/audit). A filter value that cannot filter is a message beside its field
// (the page lists nothing until it is corrected); a malformed page cursor is a 400.
func (s *Service) LogList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := readQuery(q)
	if raw := q.Get("after"); raw != "" {
		c := cursor.Read(raw)
		pos := Position{At: c.Time(), ID: c.Int(1, math.MaxInt64)}
		if c.Err() != nil {
			s.Pages.Error(w, r, http.StatusBadRequest)
			return
		}
		v.filter.After = &pos
	}
	page := logPage{Query: v, Actions: actionOptions()}
	if !v.Errors.OK() {
		s.Pages.Render(w, r, http.StatusOK, "Audit log", logView(page))
		return
	}
	v.filter.Limit = pageSize
	rows, more, err := List(r.Context(), s.DB, v.filter)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	page.Entries = make([]entryView, len(rows))
	for i, row := range rows {
		page.Entries[i] = viewOf(row)
	}
	if more {
		last := rows[len(rows)-1]
		after, err := cursor.Encode(cursor.Time(last.At), cursor.Int(last.ID))
		if err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		nq := v.values()
		nq.Set("after", after)
		page.NextPage = "/admin/audit?" + nq.Encode()
	}
	page.Listed = true
	s.Pages.Render(w, r, http.StatusOK, "Audit log", logView(page))
}
