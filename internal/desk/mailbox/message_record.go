package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/desk"
	"rapport/internal/desk/inbound"
)

// State is what the desk did with a message.
type State string

// The states of inbound_messages.
const (
	StateTicket      State = "ticket"
	StateReply       State = "reply"
	StateIgnored     State = "ignored"
	StateQuarantined State = "quarantined"
)

// fetched is one message off the server: its place there and its bytes (with tooLarge,
// only its header's start: the rest was never fetched).
type fetched struct {
	UIDValidity uint32
	UID         uint32
	Size        int64
	Raw         []byte
	TooLarge    bool
}

// outcome is the decision on one message.
type outcome struct {
	State    State
	Reason   string
	TicketID string
}

// Limits on what a mail puts in a ticket: the desk's own for typed text.
const (
	maxSubject = 200
	maxBody    = 20000
)

// insertSQL records a message's place, once: a second fetch of the same UID (a restart,
// a kill -9 after the commit but before the \Seen flag, a second replica) inserts
// nothing, and so files nothing. The row starts as "ignored" and is settled below in the
// same transaction.
const recordSQL = `
INSERT INTO inbound_messages (mailbox_id, uidvalidity, uid, message_id, from_addr, subject, size, state, reason)
VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, 'ignored', '')
ON CONFLICT (mailbox_id, uidvalidity, uid) DO NOTHING
RETURNING id`

const settleSQL = `UPDATE inbound_messages SET state = $2, reason = $3, ticket_id = NULLIF($4, '')::uuid WHERE id = $1`

// record files one fetched message in one transaction: its row, and the ticket or reply
// it makes. It returns false when the message was recorded before (nothing is done).
func (p *Poller) record(ctx context.Context, mb *Mailbox, f fetched) (bool, outcome, error) {
	var m *inbound.Message
	var quarantine string
	switch {
	case f.TooLarge:
		quarantine = fmt.Sprintf("the message is %d bytes, more than the %d allowed: only the start of its header was fetched and is kept", f.Size, p.limits().Message)
	default:
		var err error
		m, err = inbound.Parse(f.Raw, p.limits())
		var q *inbound.Quarantine
		if errors.As(err, &q) {
			quarantine = q.Reason
		} else if err != nil {
			quarantine = err.Error()
		}
	}
	msgID, from, subject := headerSummary(m, f.Raw)
	var out outcome
	fresh := false
	for attempt := 0; ; attempt++ {
		err := p.DB.InTx(ctx, func(tx pgx.Tx) error {
			var rowID int64
			err := tx.QueryRow(ctx, recordSQL, mb.ID, int64(f.UIDValidity), int64(f.UID), msgID, from, subject, f.Size).Scan(&rowID)
			if errors.Is(err, pgx.ErrNoRows) {
				fresh = false
				return nil
			}
			if err != nil {
				return db.Translate(err)
			}
			fresh = true
			if err := storeRaw(ctx, tx, rowID, f.Raw); err != nil {
				return err
			}
			if quarantine != "" {
				out = outcome{State: StateQuarantined, Reason: quarantine}
			} else if out, err = p.decide(ctx, tx, mb, rowID, m); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, settleSQL, rowID, out.State, out.Reason, out.TicketID); err != nil {
				return err
			}
			if out.TicketID != "" && m.MessageID != "" {
				// The thread's later notifications reply to it; a Message-ID no thread can
				// hold (spaces, brackets) is simply not recorded.
				err := desk.RecordMailID(ctx, tx, desk.MailID{MessageID: m.MessageID, TicketID: out.TicketID, Inbound: true})
				if err != nil && !errors.Is(err, db.ErrBadValue) {
					return err
				}
			}
			if out.State == StateTicket {
				// The receipt answers the mail just recorded; the notices go with it.
				return desk.NewTicketEmails(ctx, tx, p.Mail, out.TicketID, true)
			}
			return nil
		})
		// The same Message-ID filed at this moment from another mailbox (or another
		// UID): the unique index refused the second; once more finds it a duplicate.
		if attempt == 0 && db.Unique(err, "inbound_messages_once_idx") {
			continue
		}
		return fresh, out, err
	}
}

// headerSummary is what the row shows of a message: its Message-ID, sender and subject,
// from the parsed message or, for one that could not be parsed, read loosely from its
// header (for the admin's list only).
func headerSummary(m *inbound.Message, raw []byte) (msgID, from, subject string) {
	if m != nil {
		return m.MessageID, strings.ToLower(m.From.Email), clip(m.Subject, maxSubject)
	}
	head := raw
	if i := strings.Index(string(raw[:min(len(raw), 1<<16)]), "\r\n\r\n"); i >= 0 {
		head = raw[:i]
	} else if len(head) > 1<<16 {
		head = head[:1<<16]
	}
	for line := range strings.SplitSeq(string(head), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = clip(strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD"), maxSubject)
		switch strings.ToLower(k) {
		case "from":
			if from == "" {
				from = strings.ToLower(v)
			}
		case "subject":
			if subject == "" {
				subject = v
			}
		}
	}
	return "", from, subject
}

// clip cuts s to n characters without splitting one.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// decide settles a parsed message: ignored (and why), a reply on the ticket it answers,
// or a new ticket.
func (p *Poller) decide(ctx context.Context, tx pgx.Tx, mb *Mailbox, rowID int64, m *inbound.Message) (outcome, error) {
	from := strings.ToLower(m.From.Email)
	if p.own(mb, from) {
		return outcome{State: StateIgnored, Reason: "sent from our own address (" + from + "): a loop"}, nil
	}
	switch m.Automatic {
	case "bounce":
		reason := "a delivery failure report (bounce)"
		if n, err := markBounced(ctx, tx, m.Bounced); err != nil {
			return outcome{}, err
		} else if n > 0 {
			reason += ": our email <" + m.Bounced + "> is marked failed"
		}
		return outcome{State: StateIgnored, Reason: reason}, nil
	case "auto-reply":
		return outcome{State: StateIgnored, Reason: "an automatic reply (out of office, auto-responder)"}, nil
	case "bulk":
		return outcome{State: StateIgnored, Reason: "bulk mail (a mailing list or newsletter)"}, nil
	}
	if m.MessageID != "" {
		var dup bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM inbound_messages WHERE message_id = $1 AND state IN ('ticket', 'reply'))`,
			m.MessageID).Scan(&dup); err != nil {
			return outcome{}, db.Translate(err)
		}
		if dup {
			return outcome{State: StateIgnored, Reason: "a copy of a message already filed (the same Message-ID)"}, nil
		}
	}
	var recent int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM inbound_messages WHERE from_addr = $1 AND received_at > now() - interval '1 minute' AND id <> $2`,
		from, rowID).Scan(&recent); err != nil {
		return outcome{}, db.Translate(err)
	}
	if recent >= p.floodLimit() {
		return outcome{State: StateIgnored, Reason: fmt.Sprintf("more than %d messages a minute from this sender", p.floodLimit())}, nil
	}
	requester, err := requesterFor(ctx, tx, m.From)
	if err != nil {
		return outcome{}, err
	}
	if requester.Banned {
		return outcome{State: StateIgnored, Reason: "the sender's account is deactivated"}, nil
	}
	body := bodyOf(m)
	ticketID, how, err := answers(ctx, tx, mb, m)
	if err != nil {
		return outcome{}, err
	}
	note := ""
	if ticketID != "" {
		sp, err := tx.Begin(ctx) // a savepoint: a refused reply leaves the transaction usable
		if err != nil {
			return outcome{}, err
		}
		msgID, err := desk.RequesterReplyMessage(ctx, sp, requester, "", ticketID, body)
		switch {
		case err == nil:
			if err := sp.Commit(ctx); err != nil {
				return outcome{}, err
			}
			filed, err := p.fileAttachments(ctx, tx, ticketID, msgID, m)
			if err != nil {
				return outcome{}, err
			}
			return outcome{State: StateReply, Reason: "answers ticket " + desk.ShortRef(ticketID) + " (" + how + ")" + filed, TicketID: ticketID}, nil
		case errors.Is(err, desk.ErrClosed):
			note = "; it answers " + desk.ShortRef(ticketID) + ", which is closed"
		case errors.Is(err, db.ErrNotFound):
			note = "; it answers " + desk.ShortRef(ticketID) + " but is not from its requester"
		default:
			_ = sp.Rollback(ctx)
			return outcome{}, err
		}
		if err := sp.Rollback(ctx); err != nil {
			return outcome{}, err
		}
	}
	subject := clip(strings.TrimSpace(m.Subject), maxSubject)
	if subject == "" {
		subject = "(no subject)"
	}
	id, err := desk.MailTicket(ctx, tx, requester, subject, body, mb.Team)
	if err != nil {
		return outcome{}, err
	}
	var first string
	if err := tx.QueryRow(ctx, firstMessageSQL, id).Scan(&first); err != nil {
		return outcome{}, db.Translate(err)
	}
	filed, err := p.fileAttachments(ctx, tx, id, first, m)
	if err != nil {
		return outcome{}, err
	}
	return outcome{State: StateTicket, Reason: "a new ticket" + note + filed, TicketID: id}, nil
}

const firstMessageSQL = `SELECT id::text FROM ticket_messages WHERE ticket_id = $1 ORDER BY created_at, id LIMIT 1`

// fileAttachments files m's attachments (not the images a mail shows inline in its
// text, such as a signature's logo) on the ticket message, in tx, as a portal upload
// would be; a file over the per-file limit stays only in the original, and the returned
// note (for the decision's reason) says so.
func (p *Poller) fileAttachments(ctx context.Context, tx pgx.Tx, ticketID, messageID string, m *inbound.Message) (string, error) {
	limit := p.MaxFile
	if limit <= 0 {
		limit = 10 << 20
	}
	var filed, kept int
	for _, a := range m.Attachments {
		if a.Inline {
			continue
		}
		_, err := attach.Save(ctx, tx, ticketID, messageID, a.Name, a.ContentType, bytes.NewReader(a.Data), limit)
		switch {
		case errors.Is(err, attach.ErrTooLarge):
			kept++
		case err != nil:
			return "", err
		default:
			filed++
		}
	}
	m.Attachments = nil // filed: let the decoded copies go
	note := ""
	if filed > 0 {
		note += fmt.Sprintf("; %d attachment%s filed", filed, plural(filed))
	}
	if kept > 0 {
		note += fmt.Sprintf("; %d attachment%s over %d MB kept only in the original", kept, plural(kept), limit>>20)
	}
	return note, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// own reports whether from is one of Rapport's own addresses: the mailbox's, or the
// address notifications are sent from.
func (p *Poller) own(mb *Mailbox, from string) bool {
	if from == mb.Address {
		return true
	}
	for _, a := range p.OwnAddresses {
		if strings.EqualFold(a, from) {
			return true
		}
	}
	return false
}

// bodyOf is what the ticket shows: the writer's text without the quoted history, or the
// whole text when that leaves nothing; cut to the desk's limit (staff can read the
// original in full).
func bodyOf(m *inbound.Message) string {
	body := strings.TrimSpace(m.Text)
	if body == "" {
		body = strings.TrimSpace(m.FullText)
	}
	if body == "" {
		body = "(This email has no text.)"
	}
	if utf8.RuneCountInString(body) > maxBody {
		body = clip(body, maxBody-80) + "\n\n[Cut here: the whole email is kept with the ticket for staff.]"
	}
	return body
}

// requesterFor is the account of the sender, made (a customer without a password, who
// can claim it through "forgot password") when there is none. A savepoint keeps a
// concurrent first mail from the same new sender from failing the transaction.
func requesterFor(ctx context.Context, tx pgx.Tx, from inbound.Address) (*auth.User, error) {
	email := strings.ToLower(strings.TrimSpace(from.Email))
	u, err := auth.UserByEmail(ctx, tx, email)
	if err == nil || !errors.Is(err, db.ErrNotFound) {
		return u, err
	}
	name := strings.TrimSpace(from.Name)
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	u, err = auth.CreateUser(ctx, sp, auth.NewUser{Name: clip(name, 100), Email: email, Role: auth.RoleCustomer})
	if errors.Is(err, auth.ErrEmailTaken) {
		if err := sp.Rollback(ctx); err != nil {
			return nil, err
		}
		return auth.UserByEmail(ctx, tx, email)
	}
	if err != nil {
		_ = sp.Rollback(ctx)
		return nil, err
	}
	return u, sp.Commit(ctx)
}

// refTag is a ticket's reference in a subject, as the desk writes it ("[#0b5e6d3c]",
// desk.ShortRef), for mail clients that drop the threading headers.
var refTag = regexp.MustCompile(`\[#([0-9a-fA-F]{8})\]`)

// answers finds the ticket m answers, and how it was told: a Message-ID of the ticket's
// thread in In-Reply-To or References (nearest first), a "+token" address (the ticket's
// id), or the subject's reference tag of a ticket of the same sender.
func answers(ctx context.Context, tx pgx.Tx, mb *Mailbox, m *inbound.Message) (string, string, error) {
	if ids := m.Answers(); len(ids) > 0 {
		id, err := desk.TicketByMailIDs(ctx, tx, ids)
		if err == nil {
			return id, "its In-Reply-To or References", nil
		}
		if !errors.Is(err, db.ErrNotFound) {
			return "", "", err
		}
	}
	if tok := m.ReplyToken(mb.Address); tok != "" {
		// The ticket's random reply token (desk writes support+<token>@ as Reply-To),
		// never its id: an address cannot be guessed from a ticket number.
		id, err := desk.TicketByReplyToken(ctx, tx, tok)
		if err == nil {
			return id, "its +token reply address", nil
		}
		if !errors.Is(err, db.ErrNotFound) {
			return "", "", err
		}
	}
	if sm := refTag.FindStringSubmatch(m.Subject); sm != nil {
		ref := strings.ToLower(sm[1])
		var id string
		err := tx.QueryRow(ctx, `SELECT t.id::text FROM tickets t JOIN "user" u ON u.id = t.requester_id
            WHERE t.id BETWEEN ($1 || '-0000-0000-0000-000000000000')::uuid AND ($1 || '-ffff-ffff-ffff-ffffffffffff')::uuid
              AND u.email = $2
            ORDER BY t.created_at DESC LIMIT 1`, ref, strings.ToLower(m.From.Email)).Scan(&id)
		if err == nil {
			return id, "the " + "[#" + ref + "] tag in its subject", nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return "", "", db.Translate(err)
		}
	}
	return "", "", nil
}

// markBounced marks the outbox email whose Message-ID is msgID as bounced, and returns
// how many it marked. The Message-ID is the one stored with the mail when it was
// written (mail_outbox.message_id, bare, 00053); a mail written before that has none,
// and its Message-ID is derived from the row ("<outbox id>.<created_at in µs>@domain").
func markBounced(ctx context.Context, tx pgx.Tx, msgID string) (int64, error) {
	msgID = strings.Trim(strings.TrimSpace(msgID), "<>")
	if msgID == "" {
		return 0, nil
	}
	var id, us int64 = -1, -1
	if local, _, ok := strings.Cut(msgID, "@"); ok {
		if idPart, micros, ok := strings.Cut(local, "."); ok {
			if a, err := strconv.ParseInt(idPart, 10, 64); err == nil {
				if b, err := strconv.ParseInt(micros, 10, 64); err == nil {
					id, us = a, b
				}
			}
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE mail_outbox SET bounced_at = coalesce(bounced_at, now()),
        last_error = 'bounced: the recipient''s server reported it undeliverable'
        WHERE message_id = $1
           OR (message_id IS NULL AND id = $2 AND (extract(epoch FROM created_at) * 1000000)::bigint = $3)`, msgID, id, us)
	if err != nil {
		return 0, db.Translate(err)
	}
	return tag.RowsAffected(), nil
}
