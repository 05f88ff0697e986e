package desk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
)

// maxBulk is the most tickets one bulk change touches, ticked or "all matching": the
// change runs in one transaction, and 500 tickets (each with its history, emails and
// live event) commit in about a second.
const maxBulk = 500

type bulkAction string

const (
	bulkAssign    bulkAction = "assign"
	bulkStatus    bulkAction = "status"
	bulkPriority  bulkAction = "priority"
	bulkTagAdd    bulkAction = "tag_add"
	bulkTagRemove bulkAction = "tag_remove"
	bulkMacro     bulkAction = "macro"
)

// bulkOutcome is one ticket of a bulk change: what was done, or why not.
type bulkOutcome struct {
	ID, Subject, What string
}

// bulkResult is the result page of a bulk change.
type bulkResult struct {
	Query                       url.Values // the queue's filters, for the way back
	Problem                     string     // the whole request was refused (422)
	Changed, Refused, Unchanged []bulkOutcome
}

// Summary is the result in one sentence.
func (b bulkResult) Summary() string {
	return strconv.Itoa(len(b.Changed)) + " changed, " + strconv.Itoa(len(b.Refused)) + " refused, " +
		strconv.Itoa(len(b.Unchanged)) + " already so."
}

// bulkForm is the bulk form as posted.
type bulkRequest struct {
	IDs      []string
	All      bool
	Filter   QueueFilter
	Query    url.Values
	Action   bulkAction
	Assignee string
	Status   Status
	Priority Priority
	Tag      string
	MacroID  string
}

// parseBulk reads and checks the bulk form; a problem is the message for the person.
func parseBulk(r *http.Request, me *auth.User) (bulkRequest, string) {
	b := bulkRequest{Action: bulkAction(r.PostFormValue("action")), All: r.PostFormValue("all") != ""}
	fq, err := url.ParseQuery(r.PostFormValue("filter"))
	if err != nil {
		return b, "The queue's filters in the form are not readable: go back to the queue and try again."
	}
	f, kept, ok := parseQueueQuery(fq, me.ID, myTeam(me))
	f.After = nil
	kept.Del("after")
	b.Filter, b.Query = f, kept
	if !ok {
		return b, "The queue's filters in the form are not valid: go back to the queue and try again."
	}
	ids := r.PostForm["ids"]
	if len(ids) > maxBulk {
		return b, "Too many tickets selected (" + strconv.Itoa(len(ids)) + "): at most " + strconv.Itoa(maxBulk) +
			" at once. Narrow the view with the filters and change them in steps."
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !db.ValidUUID(id) {
			return b, "The selection holds something that is not a ticket: go back to the queue and try again."
		}
		if !seen[id] {
			seen[id] = true
			b.IDs = append(b.IDs, id)
		}
	}
	if !b.All && len(b.IDs) == 0 {
		return b, "Tick the tickets to change, or choose all tickets matching the view."
	}
	switch b.Action {
	case bulkAssign:
		b.Assignee = form.Text(r, "assignee_id")
		if b.Assignee != "" && !db.ValidUUID(b.Assignee) && form.Check(b.Assignee, 64, false) != "" {
			return b, "Choose an agent from the list."
		}
	case bulkStatus:
		b.Status = Status(r.PostFormValue("set_status"))
		if !b.Status.Valid() {
			return b, "Choose one of the statuses."
		}
	case bulkPriority:
		b.Priority = Priority(r.PostFormValue("set_priority"))
		if !b.Priority.Valid() {
			return b, "Choose one of the priorities."
		}
	case bulkTagAdd, bulkTagRemove:
		name, err := NormalizeTag(form.Clean(r.PostFormValue("bulk_tag")))
		if err != nil {
			msg, _ := isTagNameError(err)
			return b, "Tag: " + msg
		}
		b.Tag = name
	case bulkMacro:
		b.MacroID = r.PostFormValue("bulk_macro")
		if !db.ValidUUID(b.MacroID) {
			return b, "Choose the macro to apply."
		}
	default:
		return b, "Choose what to do with the selected tickets."
	}
	return b, ""
}

// bulkMacroSQL is the macro viewer ($2) may apply, with its tags.
const bulkMacroSQL = `
SELECT m.id, m.name, m.body, m.status, m.priority, m.assignee_id, m.team, m.tags
FROM macros m WHERE m.id = $1 AND (m.owner_id IS NULL OR m.owner_id = $2)`

// loadBulkMacro reads the macro of a bulk change, and its assignee when it sets one
// (who must still be able to take tickets).
func loadBulkMacro(ctx context.Context, tx pgx.Tx, id string, actor *auth.User) (macroApplied, *agent, []string, error) {
	var m macroApplied
	err := tx.QueryRow(ctx, bulkMacroSQL, id, actor.ID).Scan(&m.ID, &m.Name, &m.Body, &m.Status, &m.Priority, &m.AssigneeID, &m.Team, &m.Tags)
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return m, nil, nil, &errBulkProblem{"That macro does not exist any more, or is not yours to use: choose another."}
	}
	if err != nil {
		return m, nil, nil, db.Translate(err)
	}
	tags, err := ParseTagList(m.Tags)
	if err != nil {
		msg, _ := isTagNameError(err)
		return m, nil, nil, &errBulkProblem{"The macro's tags cannot be applied: " + msg + " Edit the macro first."}
	}
	if m.AssigneeID == nil {
		return m, nil, tags, nil
	}
	a, err := assignableAgent(ctx, tx, *m.AssigneeID)
	if errors.Is(err, db.ErrNotFound) {
		return m, nil, nil, &errBulkProblem{"The macro assigns tickets to someone who can no longer take them: edit the macro first."}
	}
	if err != nil {
		return m, nil, nil, err
	}
	return m, &a, tags, nil
}

// macroChange is the change macro m makes to ticket cur, applied by actor (assignee
// is the macro's, loaded once), with what it does in words; "" and false when it
// cannot apply (the reason in the words).
func macroChange(m macroApplied, assignee *agent, actor *auth.User, cur lockedTicket) (change, string, bool) {
	ch := change{Actor: actor, Status: cur.Status, Priority: cur.Priority, AssigneeID: cur.AssigneeID, Team: cur.Team, MacroID: m.ID}
	var did []string
	if m.Status != nil && *m.Status != cur.Status {
		if !CanMove(cur.Status, *m.Status) {
			return ch, moveProblem(cur.Status, *m.Status), false
		}
		ch.Status = *m.Status
		did = append(did, "status "+string(cur.Status)+" → "+string(*m.Status))
	}
	if m.Priority != nil && *m.Priority != cur.Priority {
		ch.Priority = *m.Priority
		did = append(did, "priority "+string(cur.Priority)+" → "+string(*m.Priority))
	}
	if assignee != nil && deref(cur.AssigneeID) != assignee.ID {
		ch.Assignee, ch.AssigneeID = assignee, &assignee.ID
		if t := deref(assignee.Team); t != "" && m.Team == nil {
			ch.Team = &t
		}
		did = append(did, "assigned to "+assignee.Name)
	}
	if m.Team != nil && *m.Team != deref(cur.Team) {
		ch.Team = m.Team
		did = append(did, "team "+*m.Team)
	}
	if strings.TrimSpace(m.Body) != "" {
		t := deskTicket{}
		t.ID, t.Subject, t.RequesterName, t.RequesterEmail = cur.ID, cur.Subject, cur.RequesterName, cur.RequesterEmail
		ch.Body = fillPlaceholders(m.Body, macroValues(t, actor.Name))
		did = append([]string{"replied"}, did...)
	}
	return ch, strings.Join(did, ", "), true
}

// The tickets of a bulk change, locked in id order (two bulk changes cannot deadlock),
// with what applyChange needs.
const lockTicketsSQL = `
SELECT t.id, t.subject, t.status, t.priority, t.assignee_id, t.team, t.version,
       t.requester_id, r.name AS requester_name, r.email AS requester_email,
       t.cc_addrs, t.reply_token,
       coalesce((SELECT json_agg(json_build_object('message_id', i.message_id, 'public', i.public) ORDER BY i.seq)
                 FROM ticket_mail_ids i WHERE i.ticket_id = t.id), '[]') AS mail_thread,
       true AS claimed
FROM tickets t
JOIN "user" r ON r.id = t.requester_id
WHERE t.id = ANY($1::uuid[])
ORDER BY t.id
FOR UPDATE OF t`

// errBulkProblem is a bulk change refused as a whole; its message is for the person.
type errBulkProblem struct{ msg string }

func (e *errBulkProblem) Error() string { return e.msg }

// bulkIDs is the tickets a bulk change is for: the ticked ones, or those matching the
// filter (at most maxBulk: more is refused).
func bulkIDs(ctx context.Context, q db.Querier, b bulkRequest) ([]string, error) {
	if !b.All {
		return b.IDs, nil
	}
	f := b.Filter
	f.Limit = maxBulk
	rows, more, err := listQueue(ctx, q, f)
	if err != nil {
		return nil, err
	}
	if more {
		return nil, &errBulkProblem{"More than " + strconv.Itoa(maxBulk) + " tickets match this view and its filters: at most " +
			strconv.Itoa(maxBulk) + " change at once. Narrow the view with the filters and change them in steps."}
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// bulkUpdate applies b as actor in tx: each ticket changed as the ticket page would
// (its history, emails and live event by applyChange), or refused with the reason.
func bulkUpdate(ctx context.Context, tx pgx.Tx, out Outbound, actor *auth.User, b bulkRequest, res *bulkResult) error {
	ids, err := bulkIDs(ctx, tx, b)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, lockTicketsSQL, ids)
	if err != nil {
		return db.Translate(err)
	}
	locked, err := pgx.CollectRows(rows, pgx.RowToStructByName[lockedTicket])
	if err != nil {
		return db.Translate(err)
	}
	found := map[string]bool{}
	for _, t := range locked {
		found[t.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			res.Refused = append(res.Refused, bulkOutcome{ID: id, What: "no such ticket (deleted?)"})
		}
	}
	var assignee *agent
	if b.Action == bulkAssign && b.Assignee != "" {
		a, err := assignableAgent(ctx, tx, b.Assignee)
		if errors.Is(err, db.ErrNotFound) {
			return &errBulkProblem{"Choose an agent from the list: that person cannot take tickets."}
		}
		if err != nil {
			return err
		}
		assignee = &a
	}
	var macro macroApplied
	var macroAssignee *agent
	var macroTags []string
	if b.Action == bulkMacro {
		if macro, macroAssignee, macroTags, err = loadBulkMacro(ctx, tx, b.MacroID, actor); err != nil {
			return err
		}
	}
	var open []string
	for _, cur := range locked {
		o := bulkOutcome{ID: cur.ID, Subject: cur.Subject}
		if cur.Status == StatusClosed {
			o.What = "closed tickets are read-only"
			res.Refused = append(res.Refused, o)
			continue
		}
		ch := change{Actor: actor, Status: cur.Status, Priority: cur.Priority, AssigneeID: cur.AssigneeID, Team: cur.Team}
		switch b.Action {
		case bulkTagAdd, bulkTagRemove:
			open = append(open, cur.ID)
			continue
		case bulkMacro:
			var ok bool
			ch, o.What, ok = macroChange(macro, macroAssignee, actor, cur)
			if !ok {
				res.Refused = append(res.Refused, o)
				continue
			}
			if o.What == "" && len(macroTags) == 0 {
				res.Unchanged = append(res.Unchanged, o)
				continue
			}
			if o.What != "" {
				if _, err := applyChange(ctx, tx, out, cur, ch); err != nil {
					return err
				}
			}
			open = append(open, cur.ID)
			res.Changed = append(res.Changed, o)
			continue
		case bulkStatus:
			if cur.Status == b.Status {
				res.Unchanged = append(res.Unchanged, o)
				continue
			}
			if !CanMove(cur.Status, b.Status) {
				o.What = moveProblem(cur.Status, b.Status)
				res.Refused = append(res.Refused, o)
				continue
			}
			ch.Status, o.What = b.Status, "status "+string(cur.Status)+" → "+string(b.Status)
		case bulkPriority:
			if cur.Priority == b.Priority {
				res.Unchanged = append(res.Unchanged, o)
				continue
			}
			ch.Priority, o.What = b.Priority, "priority "+string(cur.Priority)+" → "+string(b.Priority)
		case bulkAssign:
			if deref(cur.AssigneeID) == b.Assignee {
				res.Unchanged = append(res.Unchanged, o)
				continue
			}
			if assignee == nil {
				ch.AssigneeID, o.What = nil, "unassigned"
			} else {
				ch.Assignee, ch.AssigneeID, o.What = assignee, &assignee.ID, "assigned to "+assignee.Name
				if t := deref(assignee.Team); t != "" {
					ch.Team = &t
				}
			}
		}
		if _, err := applyChange(ctx, tx, out, cur, ch); err != nil {
			return err
		}
		res.Changed = append(res.Changed, o)
	}
	if b.Action == bulkMacro {
		return bulkMacroTags(ctx, tx, open, macroTags, res)
	}
	if len(open) == 0 {
		return nil
	}
	var done map[string][]string
	if b.Action == bulkTagAdd {
		done, err = addTags(ctx, tx, open, []string{b.Tag})
	} else {
		done, err = removeTags(ctx, tx, open, []string{b.Tag})
	}
	if err != nil {
		return err
	}
	for _, cur := range locked {
		if !containsString(open, cur.ID) {
			continue
		}
		o := bulkOutcome{ID: cur.ID, Subject: cur.Subject}
		switch {
		case len(done[cur.ID]) == 0:
			res.Unchanged = append(res.Unchanged, o)
		case b.Action == bulkTagAdd:
			o.What = "tag “" + b.Tag + "” added"
			res.Changed = append(res.Changed, o)
		default:
			o.What = "tag “" + b.Tag + "” removed"
			res.Changed = append(res.Changed, o)
		}
	}
	return nil
}

// TicketBulkUpdate changes several tickets at once from the queue (POST /desk/bulk):
// the ticked ones (ids) or all matching the view's filters (all, filter), at most
// maxBulk; assign, set the status or priority, add or remove a tag, apply a macro. One transaction;
// the page lists what changed, what was refused and why, and what was already so. A
// selection too large (more ids than maxBulk, or a body over the form limit) is a 422
// that changes nothing.
func (s *Service) TicketBulkUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	res := bulkResult{}
	if err := form.Parse(w, r); err != nil {
		if errors.Is(err, form.ErrTooLarge) {
			res.Problem = "Too many tickets selected: at most " + strconv.Itoa(maxBulk) +
				" at once. Narrow the view with the filters and change them in steps."
			s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Bulk change", bulkResultPage(res))
			return
		}
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	b, problem := parseBulk(r, auth.UserFrom(ctx))
	res.Query = b.Query
	if problem != "" {
		res.Problem = problem
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Bulk change", bulkResultPage(res))
		return
	}
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		res.Changed, res.Refused, res.Unchanged = nil, nil, nil
		return bulkUpdate(ctx, tx, s.outbound(), auth.UserFrom(ctx), b, &res)
	})
	var bp *errBulkProblem
	switch {
	case errors.As(err, &bp):
		res = bulkResult{Query: b.Query, Problem: bp.msg}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Bulk change", bulkResultPage(res))
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Render(w, r, http.StatusOK, "Bulk change", bulkResultPage(res))
	}
}

// bulkMacroTags adds a bulk macro's tags to the tickets it applied to (open) in one
// statement, and says so in their outcomes; a ticket the macro only tagged and that
// had its tags already is unchanged.
func bulkMacroTags(ctx context.Context, tx pgx.Tx, open, tags []string, res *bulkResult) error {
	if len(open) == 0 || len(tags) == 0 {
		return nil
	}
	done, err := addTags(ctx, tx, open, tags)
	if err != nil {
		return err
	}
	kept := res.Changed[:0]
	for _, o := range res.Changed {
		added := done[o.ID]
		sort.Strings(added)
		switch {
		case len(added) > 0 && o.What == "":
			o.What = "tagged " + strings.Join(added, ", ")
		case len(added) > 0:
			o.What += ", tagged " + strings.Join(added, ", ")
		case o.What == "":
			res.Unchanged = append(res.Unchanged, o)
			continue
		}
		kept = append(kept, o)
	}
	res.Changed = kept
	return nil
}
