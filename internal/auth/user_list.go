package auth

import (
	"net/http"
	"net/url"

	"rapport/internal/cursor"
	"rapport/internal/form"
)

// UserList lists users with search, a role filter and keyset pages (GET /admin/users); a
// malformed page cursor is a 400.
func (s *Service) UserList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := usersView{Query: q.Get("q"), Role: q.Get("role")}
	f := UserFilter{Limit: 50}
	if v.Query != "" && form.Lookup(v.Query, 200, false) {
		f.Query = &v.Query
	}
	if role := Role(v.Role); role.Valid() {
		f.Role = &role
	}
	if raw := q.Get("after"); raw != "" {
		// The keyset is the last row's email (unique): one text field.
		c := cursor.Read(raw)
		after := c.Text()
		if c.Err() != nil {
			s.Pages.Error(w, r, http.StatusBadRequest)
			return
		}
		f.After = &after
	}
	users, more, err := ListUsers(r.Context(), s.DB, f)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	v.Users = users
	if more {
		after, err := cursor.Encode(cursor.Text(users[len(users)-1].Email))
		if err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		nq := url.Values{"q": {v.Query}, "role": {v.Role}, "after": {after}}
		v.NextPage = "/admin/users?" + nq.Encode()
	}
	s.Pages.Render(w, r, http.StatusOK, "Users", usersPage(v))
}
