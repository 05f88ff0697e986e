package desk

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
	"rapport/internal/mail"
)

// Merging a duplicate ticket (the source) into another (the target), from the source's
// page: "Merge into…" takes the target's reference or id and shows a confirmation (with a
// warning when the requesters differ, which must be ticked); confirming copies the
// source's messages, notes included, into the target at their own times (ticket_messages
// is append-only, so they are copied, and each copy names its original in merged_from),
// moves their files, mail ids and original emails to the copies, closes the source with
// merged_into set, and writes "merged into" / "merged in" in both histories. Mail to the
// source's reply address or thread lands on the target from then on.
//
// Both tickets are locked FOR UPDATE in id order, so two merges at once (A into B, B into
// A) queue instead of deadlocking: the second finds its ticket changed (409).

var (
	uuidInText = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	shortRefRE = regexp.MustCompile(`^#?([0-9a-fA-F]{8})$`)
)

// refRange is the id range a typed target names: a whole id (or a link holding one) is
// itself, a reference (#0b5e6d3c) every id it starts; ok false when it is neither.
func refRange(typed string) (lo, hi string, ok bool) {
	typed = strings.TrimSpace(typed)
	if m := uuidInText.FindString(typed); m != "" {
		m = strings.ToLower(m)
		return m, m, true
	}
	if m := shortRefRE.FindStringSubmatch(typed); m != nil {
		p := strings.ToLower(m[1])
		return p + "-0000-0000-0000-000000000000", p + "-ffff-ffff-ffff-ffffffffffff", true
	}
	return "", "", false
}

// A range of tickets_pkey; two rows tell an ambiguous reference.
const mergeTargetSQL = `
SELECT t.id, t.subject, t.status, t.requester_id, r.name AS requester_name, t.version
FROM tickets t JOIN "user" r ON r.id = t.requester_id
WHERE t.id BETWEEN $1::uuid AND $2::uuid
ORDER BY t.id LIMIT 2`

func findTickets(ctx context.Context, q db.Querier, lo, hi string) ([]mergeTarget, error) {
	rows, err := q.Query(ctx, mergeTargetSQL, lo, hi)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[mergeTarget])
	return list, db.Translate(err)
}

// mergeProblem is why a target cannot take the source, in words ("" when it can).
func mergeProblem(src, dst mergeTarget, dstMerged bool) string {
	switch {
	case src.ID == dst.ID:
		return "A ticket cannot be merged into itself: enter the reference of the other ticket."
	case src.Status == StatusClosed:
		return "This ticket is closed: a closed ticket cannot be merged."
	case dstMerged:
		return "Ticket " + ShortRef(dst.ID) + " was itself merged into another ticket: merge into that one instead."
	case dst.Status == StatusClosed:
		return "Ticket " + ShortRef(dst.ID) + " is closed: merge into a ticket that is still open, pending or solved."
	}
	return ""
}

// mergeConfirmView is the confirmation step.
type mergeConfirmView struct {
	Source, Target mergeTarget
	// Cross is true when the requesters differ: the agent must tick the warning.
	Cross      bool
	CrossError string
	Notify     bool
}

// TicketMerge merges the {id} ticket into another (POST /desk/tickets/{id}/merge). Without
// confirm it finds the target and shows the confirmation (nothing changes); with it, and
// the versions both tickets were shown at, it merges and shows the target.
func (s *Service) TicketMerge(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	if r.PostFormValue("confirm") == "" {
		s.mergeStart(w, r, id, form.Text(r, "target"))
		return
	}
	targetID := r.PostFormValue("target_id")
	if !db.ValidUUID(targetID) {
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	srcVersion, _ := strconv.Atoi(r.PostFormValue("source_version"))
	dstVersion, _ := strconv.Atoi(r.PostFormValue("target_version"))
	req := mergeRequest{Source: id, Target: targetID, SourceVersion: srcVersion, TargetVersion: dstVersion,
		CrossOK: r.PostFormValue("cross_ok") != "", Notify: r.PostFormValue("notify") != ""}
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		return mergeTickets(ctx, tx, s.outbound(), auth.UserFrom(ctx), req)
	})
	var pe *mergeRefused
	switch {
	case errors.Is(err, errCrossRequester):
		list, err := findTickets(ctx, s.DB, targetID, targetID)
		srcs, err2 := findTickets(ctx, s.DB, id, id)
		if err = errors.Join(err, err2); err != nil || len(list) == 0 || len(srcs) == 0 {
			s.Pages.Fail(w, r, errors.Join(err, db.ErrNotFound))
			return
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Merge ticket", mergeConfirmPage(mergeConfirmView{
			Source: srcs[0], Target: list[0], Cross: true, Notify: req.Notify,
			CrossError: "These tickets have different requesters: tick the box to merge them anyway."}))
	case errors.As(err, &pe):
		s.Pages.ErrorWith(w, r, pe.status, "The tickets were not merged", pe.msg)
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "Ticket "+ShortRef(id)+" was merged into this one.")
		httpx.Redirect(w, r, "/desk/tickets/"+targetID)
	}
}

// mergeStart is the first step: the target found and checked, and the confirmation
// shown; a target that cannot be used shows the ticket page again with why (422).
func (s *Service) mergeStart(w http.ResponseWriter, r *http.Request, id, typed string) {
	ctx := r.Context()
	mv := &mergeView{Target: typed}
	srcs, err := findTickets(ctx, s.DB, id, id)
	if err != nil || len(srcs) == 0 {
		s.Pages.Fail(w, r, errors.Join(err, db.ErrNotFound))
		return
	}
	src := srcs[0]
	lo, hi, ok := refRange(typed)
	var list []mergeTarget
	if ok {
		if list, err = findTickets(ctx, s.DB, lo, hi); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	switch {
	case typed == "":
		mv.Error = "Enter the reference (like #0b5e6d3c) or the link of the ticket to merge this one into."
	case !ok:
		mv.Error = "That is not a ticket reference: enter one like #0b5e6d3c, or paste the ticket's link."
	case len(list) == 0:
		mv.Error = "No ticket " + typed + " was found."
	case len(list) > 1:
		mv.Error = "Several tickets start with " + typed + ": paste the whole link of the one you mean."
	}
	if mv.Error == "" {
		var merged bool
		if err := s.DB.QueryRow(ctx, `SELECT merged_into IS NOT NULL FROM tickets WHERE id = $1`, list[0].ID).Scan(&merged); err != nil {
			s.Pages.Fail(w, r, db.Translate(err))
			return
		}
		mv.Error = mergeProblem(src, list[0], merged)
	}
	if mv.Error != "" {
		s.renderDeskTicket(w, r, http.StatusUnprocessableEntity, deskTicketView{Merge: mv}, false)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Merge ticket", mergeConfirmPage(mergeConfirmView{
		Source: src, Target: list[0], Cross: src.RequesterID != list[0].RequesterID}))
}

// mergeRequest is a confirmed merge.
type mergeRequest struct {
	Source, Target               string
	SourceVersion, TargetVersion int
	CrossOK, Notify              bool
}

// mergeRefused is a merge refused for a reason the agent can act on.
type mergeRefused struct {
	status int
	msg    string
}

func (e *mergeRefused) Error() string { return e.msg }

// errCrossRequester means the requesters differ and the agent has not confirmed it.
var errCrossRequester = errors.New("merge across requesters not confirmed")

const mergeStateSQL = `SELECT merged_into::text FROM tickets WHERE id = $1`

// Copy the source's messages to the target with their times, and move their files,
// mail ids and original emails to the copies. The trigger ticket_messages_facts moves
// the target's first response; the caller puts it back.
const mergeMoveSQL = `
WITH ins AS (
    INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, created_at, macro_id, macro_name, merged_from)
    SELECT $2, m.author_id, m.body, m.is_internal, m.created_at, m.macro_id, m.macro_name, m.id
    FROM ticket_messages m WHERE m.ticket_id = $1
    ORDER BY m.created_at, m.id
    RETURNING id, merged_from
), files AS (
    UPDATE attachments a SET ticket_id = $2, message_id = ins.id
    FROM ins WHERE a.message_id = ins.merged_from
    RETURNING a.id
), mids AS (
    UPDATE ticket_mail_ids i SET ticket_id = $2,
        ticket_message_id = coalesce((SELECT ins.id FROM ins WHERE ins.merged_from = i.ticket_message_id), i.ticket_message_id)
    WHERE i.ticket_id = $1
    RETURNING 1
), originals AS (
    UPDATE inbound_messages SET ticket_id = $2 WHERE ticket_id = $1 RETURNING 1
), repoint AS (
    UPDATE tickets SET merged_into = $2 WHERE merged_into = $1 RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM files)`

// The source closes (its clocks as closing leaves them, updateTicketSQL) and points at
// the target; the target gets a new version and keeps its own first response.
const mergeCloseSQL = `
UPDATE tickets SET status = 'closed', merged_into = $2, solved_at = coalesce(solved_at, now()),
    version = version + 1, updated_at = now(), updated_by = $3
WHERE id = $1`

const mergeTouchSQL = `
UPDATE tickets SET first_response_at = $2, version = version + 1, updated_at = now(), updated_by = $3
WHERE id = $1`

const insertLinksSQL = `
INSERT INTO ticket_links (ticket_id, other_id, other_ref, kind, actor_id)
VALUES ($1, $2, $3, $4, $5), ($2, $1, $6, $7, $5)`

// mergeTickets merges req.Source into req.Target on tx as actor (see the package
// comment above). It writes nothing and returns ErrStale when either ticket changed
// since the confirmation, a *mergeRefused when the merge cannot be done, and
// errCrossRequester when the requesters differ and req.CrossOK is false.
func mergeTickets(ctx context.Context, tx pgx.Tx, out Outbound, actor *auth.User, req mergeRequest) error {
	if req.Source == req.Target {
		return &mergeRefused{http.StatusUnprocessableEntity, "A ticket cannot be merged into itself."}
	}
	first, second := req.Source, req.Target
	if second < first {
		first, second = second, first
	}
	locked := map[string]lockedTicket{}
	for _, id := range []string{first, second} {
		t, err := lockTicket(ctx, tx, id, nil, form.Claim{})
		if err != nil {
			return err
		}
		locked[id] = t
	}
	src, dst := locked[req.Source], locked[req.Target]
	var srcInto, dstInto *string
	if err := tx.QueryRow(ctx, mergeStateSQL, src.ID).Scan(&srcInto); err != nil {
		return db.Translate(err)
	}
	if err := tx.QueryRow(ctx, mergeStateSQL, dst.ID).Scan(&dstInto); err != nil {
		return db.Translate(err)
	}
	if srcInto != nil {
		return &mergeRefused{http.StatusConflict, "Ticket " + ShortRef(src.ID) + " was already merged into " + ShortRef(*srcInto) + "."}
	}
	if src.Version != req.SourceVersion || dst.Version != req.TargetVersion {
		return &mergeRefused{http.StatusConflict, "One of the tickets changed after you chose to merge them (someone replied, changed or merged it): nothing was merged. Open the ticket again and check before merging."}
	}
	if msg := mergeProblem(mergeTarget{ID: src.ID, Status: src.Status}, mergeTarget{ID: dst.ID, Status: dst.Status}, dstInto != nil); msg != "" {
		return &mergeRefused{http.StatusConflict, msg}
	}
	if src.RequesterID != dst.RequesterID && !req.CrossOK {
		return errCrossRequester
	}
	// The requester's notice goes first, in the source's mail thread, whose ids then move.
	if req.Notify {
		m, err := emails.Message("ticket_merged", src.RequesterEmail, ticketEmail{Ref: ShortRef(src.ID), Subject: src.Subject,
			Requester: src.RequesterName, Actor: actor.Name, Link: link(out.Base, "/support/tickets/"+dst.ID),
			Into: ShortRef(dst.ID), IntoSubject: dst.Subject, Cross: src.RequesterID != dst.RequesterID})
		if err != nil {
			return err
		}
		if actor.Name != "" && out.Sender != "" {
			m.FromName = actor.Name + " at " + out.Sender
		}
		m.ReplyTo = replyAddress(out.Support, dst.ReplyToken)
		msgs := []ticketMail{{Message: m, Public: true}}
		if err := threadEmails(ctx, tx, out.domain(), src, "", msgs); err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, tx, msgs[0].Message); err != nil {
			return err
		}
	}
	var firstResponse any
	if err := tx.QueryRow(ctx, `SELECT first_response_at FROM tickets WHERE id = $1`, dst.ID).Scan(&firstResponse); err != nil {
		return db.Translate(err)
	}
	var copied, files int
	if err := tx.QueryRow(ctx, mergeMoveSQL, src.ID, dst.ID).Scan(&copied, &files); err != nil {
		return db.Translate(err)
	}
	if _, err := tx.Exec(ctx, mergeCloseSQL, src.ID, dst.ID, actor.ID); err != nil {
		return db.Translate(err)
	}
	if _, err := tx.Exec(ctx, mergeTouchSQL, dst.ID, firstResponse, actor.ID); err != nil {
		return db.Translate(err)
	}
	if _, err := tx.Exec(ctx, insertStatusChangeSQL, src.ID, actor.ID, src.Status, StatusClosed); err != nil {
		return db.Translate(err)
	}
	if _, err := tx.Exec(ctx, insertLinksSQL, src.ID, dst.ID, ShortRef(dst.ID), "merged_into", actor.ID,
		ShortRef(src.ID), "merged_from"); err != nil {
		return db.Translate(err)
	}
	for _, ev := range []Event{
		{Kind: "updated", Ticket: src.ID, Status: string(StatusClosed), Priority: string(src.Priority), Actor: actor.ID, ActorName: actor.Name, What: "merged it into " + ShortRef(dst.ID)},
		{Kind: "updated", Ticket: dst.ID, Status: string(dst.Status), Priority: string(dst.Priority), Actor: actor.ID, ActorName: actor.Name, What: "merged " + ShortRef(src.ID) + " into it"},
	} {
		if err := notify(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}
