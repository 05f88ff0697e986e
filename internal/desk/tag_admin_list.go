package desk

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
)

// tagAdminView is the admin's tags page, with the form that was refused (if any).
type tagAdminView struct {
	Tags []tagCount
	// EditID is the tag whose rename or merge form was refused, Kind which ("rename" or
	// "merge"), Value what was typed and Error why.
	EditID       int64
	Kind         string
	Value, Error string
}

// TagAdminList lists the tags with their counts, each with a rename and a merge form
// (GET /admin/tags). One statement.
func (s *Service) TagAdminList(w http.ResponseWriter, r *http.Request) {
	s.renderTagAdmin(w, r, http.StatusOK, tagAdminView{})
}

func (s *Service) renderTagAdmin(w http.ResponseWriter, r *http.Request, status int, v tagAdminView) {
	list, err := listTagCounts(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v.Tags = list
	s.Pages.Render(w, r, status, "Tags", tagAdminPage(v, maxTagsListed))
}

// tagPathID is the route's {id} as a tag id; otherwise it answers 404.
func (s *Service) tagPathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.Pages.Error(w, r, http.StatusNotFound)
		return 0, false
	}
	return id, true
}
