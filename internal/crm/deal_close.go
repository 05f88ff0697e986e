package crm

import (
	"net/http"

	"rapport/internal/form"
	"rapport/internal/httpx"
	"rapport/web"
)

// Marking a deal won or lost, and reopening it. Each is a move (MoveDeal) to the deal's
// pipeline's won or lost stage, or back to an open one; lost asks why first.

// DealWin marks a deal won (POST /crm/deals/{id}/won) and returns to next.
func (s *Service) DealWin(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	s.move(w, r, id, MoveTo{Kind: StageWon})
}

// DealReopen moves a won or lost deal back to the open stage it came from (else its
// pipeline's first) (POST /crm/deals/{id}/reopen).
func (s *Service) DealReopen(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	s.move(w, r, id, MoveTo{Reopen: true})
}

// lostForm is the mark-lost form: a reason from the admin's list (its id, or "other")
// and the rep's words (required with "other", or when the list is empty).
type lostForm struct {
	Deal    *DealRow
	Reasons []LostReason
	Reason  string
	Note    string
	Next    string
	Errors  form.Errors
	label   string // the reason's label, checked
}

const otherValue = "other"

// Validate checks the reason against the list and bounds the note.
func (f *lostForm) Validate() {
	switch {
	case f.Reason == otherValue || (f.Reason == "" && len(f.Reasons) == 0):
		f.label = otherReason
		if f.Note == "" {
			f.Errors.Add("note", "Say why the deal was lost.")
		}
	case f.Reason == "":
		f.Errors.Add("reason", "Choose why the deal was lost.")
	default:
		for _, lr := range f.Reasons {
			if lr.ID == f.Reason {
				f.label = lr.Label
			}
		}
		if f.label == "" {
			f.Errors.Add("reason", "Choose one of the reasons, or Other.")
		}
	}
	if f.Note != "" {
		if msg := form.Check(f.Note, maxLostNote, true); msg != "" {
			f.Errors.Add("note", msg)
		}
	}
}

// reasonOptions are the reasons offered, then Other.
func (f lostForm) reasonOptions() []web.Option {
	o := []web.Option{{Value: "", Label: "Choose a reason"}}
	for _, lr := range f.Reasons {
		o = append(o, web.Option{Value: lr.ID, Label: lr.Label})
	}
	return append(o, web.Option{Value: otherValue, Label: "Other (say why below)"})
}

// loadLost reads the deal (only its owner or an admin may close it) and the list.
func (s *Service) loadLost(w http.ResponseWriter, r *http.Request, f *lostForm, id string) bool {
	ctx := r.Context()
	d, err := DealByID(ctx, s.DB, id)
	if err == nil && !ActorFrom(ctx).CanChange(d.OwnerID) {
		err = ErrForbidden
	}
	if err == nil {
		f.Deal = d
		f.Reasons, err = ListLostReasons(ctx, s.DB)
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return false
	}
	return true
}

// DealLostNew asks why a deal was lost (GET /crm/deals/{id}/lost?next=): the board's
// Lost button, a move into the lost stage, and the deal page send the rep here.
func (s *Service) DealLostNew(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	f := lostForm{Next: httpx.LocalPath(r.URL.Query().Get("next")), Errors: form.Errors{}}
	if !s.loadLost(w, r, &f, id) {
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Mark "+f.Deal.Title+" lost", dealLostPage(f))
}

// DealLose marks a deal lost with its reason (POST /crm/deals/{id}/lost: reason, note,
// next); 422 with the form kept when the reason is missing or the note too long.
func (s *Service) DealLose(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	f := lostForm{Reason: form.Text(r, "reason"), Note: form.Body(r, "note"), Next: httpx.LocalPath(r.PostFormValue("next")),
		Errors: form.Errors{}}
	if !s.loadLost(w, r, &f, id) {
		return
	}
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Mark "+f.Deal.Title+" lost", dealLostPage(f))
		return
	}
	s.move(w, r, id, MoveTo{Kind: StageLost, Reason: f.label, Note: f.Note})
}

// lostAction is the form's target.
func lostAction(id string) string { return dealPath(id) + "/lost" }

// lostCancel is where the form's Cancel goes.
func lostCancel(f lostForm) string {
	if f.Next != "" {
		return f.Next
	}
	return dealPath(f.Deal.ID)
}
