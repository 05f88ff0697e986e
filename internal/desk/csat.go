package desk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Customer satisfaction (migration 00064). When the desk solves a ticket and emails the
// requester, a ticket_ratings row is made for that solve and the email carries two
// links, Good and Bad: /csat/<row id>?r=good&s=<signature>. The signature is an HMAC of
// the row id and the rating under a key derived from SECRET_KEY (CSATKey), so a link
// cannot be made up or turned into the other rating; the row id is random.
//
// Mail scanners open links to check them, so a GET never records anything: it shows a
// page with one button (focused, so Enter or a tap records it) and an optional comment.
// The POST records the rating once per solve: the first answer stands, and a later
// click shows it; a comment may be added once afterwards. A later solve of the same
// ticket asks again with new links. No sign-in is needed: the link is the proof.

// CSATKey derives the links' HMAC key from the server's secret key: never the key
// itself, so a leaked link key opens no sealed secret. Nil without a secret key (the
// emails then carry no links).
func CSATKey(secretKey []byte) []byte {
	if len(secretKey) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, secretKey)
	m.Write([]byte("rapport csat links v1"))
	return m.Sum(nil)
}

// csatSignature is the signature of rating for the survey id: 128 bits of its HMAC.
func csatSignature(key []byte, id, rating string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "|" + rating))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// csatValid reports whether sig signs rating for id under key.
func csatValid(key []byte, id, rating, sig string) bool {
	if len(key) == 0 || (rating != "good" && rating != "bad") {
		return false
	}
	return hmac.Equal([]byte(csatSignature(key, id, rating)), []byte(sig))
}

// CSATPath is the path of the link that gives rating (good or bad) to survey id.
func CSATPath(key []byte, id, rating string) string {
	return "/csat/" + id + "?" + url.Values{"r": {rating}, "s": {csatSignature(key, id, rating)}}.Encode()
}

// csatLink is the link of rating for survey id, under base.
func csatLink(base *url.URL, key []byte, id, rating string) string {
	return link(base, CSATPath(key, id, rating))
}

// The survey of one solve: the ticket's assignee and team at the time, for the reports.
const insertSurveySQL = `
INSERT INTO ticket_ratings (ticket_id, agent_id, team) VALUES ($1, $2, $3) RETURNING id::text`

// askRating makes the survey of a solve on tx and returns its two links ("" when the
// desk has no base URL or no key).
func askRating(ctx context.Context, tx pgx.Tx, out Outbound, ticketID string, assignee, team *string) (good, bad string, err error) {
	if out.Base == nil || len(out.CSATKey) == 0 {
		return "", "", nil
	}
	var id string
	if err := tx.QueryRow(ctx, insertSurveySQL, ticketID, assignee, team).Scan(&id); err != nil {
		return "", "", db.Translate(err)
	}
	return csatLink(out.Base, out.CSATKey, id, "good"), csatLink(out.Base, out.CSATKey, id, "bad"), nil
}
