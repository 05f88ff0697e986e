package desk

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// ticketForm is the desk's one form on a ticket: a reply or internal note, and the
// ticket's status, priority, assignee and team, saved together in one transaction.
type ticketForm struct {
	Body       string
	Internal   bool
	Status     Status
	Priority   Priority
	AssigneeID string
	Team       string
	// Version is the ticket's version when the form was loaded (the collision check).
	Version int
	Errors  form.Errors
	// Key is the form's one-time key: a second submit of it changes nothing.
	Key form.Key
	// Uploads are the files attached to the reply or note.
	Uploads []*attach.Upload
	// MacroID is the macro the body was prefilled from ("" for none): the message
	// records it.
	MacroID string
	// AddTags are tags to add, comma-separated as typed (a macro presets them); tags
	// is their parsed list.
	AddTags string
	tags    []string
}

func parseTicketForm(r *http.Request) ticketForm {
	f := ticketForm{
		Body:       form.Body(r, "body"),
		Internal:   r.PostFormValue("is_internal") != "",
		Status:     Status(r.PostFormValue("status")),
		Priority:   Priority(r.PostFormValue("priority")),
		AssigneeID: form.Text(r, "assignee_id"),
		Team:       form.Text(r, "team"),
		AddTags:    form.Text(r, "add_tags"),
		Errors:     form.Errors{},
	}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	f.Key, _ = form.KeyFrom(r)
	if m := r.PostFormValue("macro_id"); db.ValidUUID(m) {
		f.MacroID = m
	}
	return f
}

// Validate checks what can be checked without the ticket.
func (f *ticketForm) Validate() {
	checkBody(f.Errors, "body", f.Body, false)
	if f.Internal && strings.TrimSpace(f.Body) == "" {
		f.Errors.Add("body", "Write the internal note, or untick “Internal note”.")
	}
	if len(f.Uploads) > 0 && strings.TrimSpace(f.Body) == "" {
		f.Errors.Add("body", "Write a reply or a note to go with the files.")
	}
	if !f.Priority.Valid() {
		f.Errors.Add("priority", "Choose one of the priorities.")
	}
	if f.Team != "" {
		if msg := form.Check(f.Team, maxTeam, false); msg != "" {
			f.Errors.Add("team", msg)
		}
	}
	if f.AssigneeID != "" {
		if msg := form.Check(f.AssigneeID, 64, false); msg != "" {
			f.Errors.Add("assignee_id", "Choose an agent from the list.")
		}
	}
	if f.AddTags != "" {
		if msg := form.Check(f.AddTags, maxMacroTags, false); msg != "" {
			f.Errors.Add("add_tags", msg)
		} else if names, err := ParseTagList(f.AddTags); err != nil {
			msg, _ := isTagNameError(err)
			f.Errors.Add("add_tags", msg)
		} else {
			f.tags = names
		}
	}
}

// validateAgainst checks the form against the ticket as it is now.
func (f *ticketForm) validateAgainst(cur lockedTicket) {
	if !CanMove(cur.Status, f.Status) {
		f.Errors.Add("status", moveProblem(cur.Status, f.Status))
	}
	if strings.TrimSpace(f.Body) == "" && f.Status == cur.Status && f.Priority == cur.Priority &&
		f.AssigneeID == deref(cur.AssigneeID) && f.Team == deref(cur.Team) && len(f.tags) == 0 {
		f.Errors.Add("body", "Write a reply or a note, or change the status, priority, assignee, team or tags.")
	}
}

// errInvalid means the form failed validation inside the transaction; its errors are
// in the form.
var errInvalid = errors.New("invalid form")

// updateTicket applies f to ticket id as actor in tx (it locks the ticket; emails are
// addressed by out). It returns ErrStale when the ticket changed after f was loaded, ErrClosed
// for a closed ticket and errInvalid with f.Errors filled; in each case it writes
// nothing, and the caller rolls back. A repeat of the form's key (claimed with the lock)
// writes nothing either, and returns a *form.Repeat.
func updateTicket(ctx context.Context, tx pgx.Tx, out Outbound, actor *auth.User, id string, f *ticketForm) error {
	claim := form.Claim{UserID: actor.ID, Key: f.Key, To: "/desk/tickets/" + id}
	cur, err := lockTicket(ctx, tx, id, nil, claim)
	if err != nil {
		return err
	}
	if cur.Status == StatusClosed {
		return ErrClosed
	}
	if cur.Version != f.Version {
		return ErrStale
	}
	f.validateAgainst(cur)
	ch := change{Actor: actor, Internal: f.Internal, Status: f.Status, Priority: f.Priority, MacroID: f.MacroID}
	if strings.TrimSpace(f.Body) != "" {
		ch.Body, ch.Uploads = f.Body, f.Uploads
	}
	if f.AssigneeID != "" {
		a, err := assignableAgent(ctx, tx, f.AssigneeID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			f.Errors.Add("assignee_id", "Choose an agent from the list: that person cannot take tickets.")
		case err != nil:
			return err
		case f.AssigneeID != deref(cur.AssigneeID):
			ch.Assignee = &a
			if f.Team == "" || f.Team == deref(cur.Team) {
				f.Team = deref(a.Team)
			}
		}
		ch.AssigneeID = &f.AssigneeID
	}
	if !f.Errors.OK() {
		return errInvalid
	}
	if f.Team != "" {
		ch.Team = &f.Team
	}
	if _, err = applyChange(ctx, tx, out, cur, ch); err != nil {
		return err
	}
	if len(f.tags) > 0 {
		_, err = AddTags(ctx, tx, id, f.tags)
	}
	return err
}

// TicketUpdate saves the desk's form on a ticket (POST /desk/tickets/{id}): a reply or
// internal note with its files and the status, priority, assignee and team, in one
// transaction. The form is multipart (a plain one is read too, without files).
func (s *Service) TicketUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	files, r, done, ok := s.readFiles(w, r)
	if !ok {
		return
	}
	defer done()
	if !s.Pages.ParseForm(w, r) {
		return
	}
	if _, ok := s.Pages.FormKey(w, r); !ok {
		return
	}
	f := parseTicketForm(r)
	f.Uploads = files.Uploads
	f.Validate()
	if files.Problem != "" {
		f.Errors.Add("files", files.Problem)
	}
	v := deskTicketView{Form: f}
	if !f.Errors.OK() {
		s.renderDeskTicket(w, r, http.StatusUnprocessableEntity, v, true)
		return
	}
	before := f
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		return updateTicket(ctx, tx, s.outbound(), auth.UserFrom(ctx), id, &f)
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	v.Form = f
	switch {
	case errors.Is(err, ErrClosed):
		v.Problem = "This ticket is closed: it can no longer be changed or answered."
		s.renderDeskTicket(w, r, http.StatusConflict, v, true)
	case errors.Is(err, ErrStale):
		v.Stale = "stale"
		s.renderDeskTicket(w, r, http.StatusConflict, v, true)
	case errors.Is(err, errInvalid):
		v.Form.Team = before.Team
		s.renderDeskTicket(w, r, http.StatusUnprocessableEntity, v, true)
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", savedMessage(before))
		httpx.Redirect(w, r, "/desk/tickets/"+id)
	}
}

// savedMessage sums up a successful submit for the flash.
func savedMessage(f ticketForm) string {
	var msg string
	switch {
	case strings.TrimSpace(f.Body) != "" && f.Internal:
		msg = "Internal note added"
	case strings.TrimSpace(f.Body) != "":
		msg = "Reply sent"
	default:
		msg = "Ticket updated"
	}
	return msg + "; the ticket is " + string(f.Status) + "."
}
