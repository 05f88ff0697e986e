package auth

import (
	"net/http"
	"net/url"

	"rapport/internal/form"
)

// Users lists users with search, a role filter and keyset pages (GET /admin/users).
func (s *Service) Users(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := usersView{Query: q.Get("q"), Role: q.Get("role")}
	f := UserFilter{Limit: 50}
	if v.Query != "" && form.Lookup(v.Query, 200, false) {
		f.Query = &v.Query
	}
	if role := Role(v.Role); role.Valid() {
		f.Role = &role
	}
	if after := q.Get("after"); after != "" && form.Lookup(after, 254, false) {
		f.After = &after
	}
	users, more, err := ListUsers(r.Context(), s.DB, f)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	v.Users = users
	if more {
		nq := url.Values{"q": {v.Query}, "role": {v.Role}, "after": {users[len(users)-1].Email}}
		v.NextPage = "/admin/users?" + nq.Encode()
	}
	s.Pages.Render(w, r, http.StatusOK, "Users", usersPage(v))
}
