package mail

import (
	"bytes"
	"fmt"
	"io"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// compose renders m as an RFC 5322 message from from with github.com/emersion/go-message
// (the library the inbound parser reads mail with), rather than by hand: it encodes
// non-ASCII names and subjects as RFC 2047 words, folds long header lines, and writes
// each part quoted-printable, so the message arrives intact through servers that are
// not 8-bit clean and no line exceeds the 998-octet limit. With m.HTML the text and
// HTML parts are alternatives (multipart/alternative, text first, as RFC 2046 orders
// them: the last part is the preferred one).
func compose(from *netmail.Address, m Message, now time.Time) ([]byte, error) {
	var h gomail.Header
	sender := &gomail.Address{Name: from.Name, Address: from.Address}
	if m.FromName != "" {
		sender.Name = m.FromName
	}
	h.SetAddressList("From", []*gomail.Address{sender})
	to, err := addressList([]string{m.To})
	if err != nil {
		return nil, err
	}
	h.SetAddressList("To", to)
	if len(m.Cc) > 0 {
		cc, err := addressList(m.Cc)
		if err != nil {
			return nil, err
		}
		h.SetAddressList("Cc", cc)
	}
	if m.ReplyTo != "" {
		rt, err := addressList([]string{m.ReplyTo})
		if err != nil {
			return nil, err
		}
		h.SetAddressList("Reply-To", rt)
	}
	h.SetSubject(m.Subject)
	h.SetDate(now)
	h.SetMessageID(messageID(m, from.Address))
	if m.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{m.InReplyTo})
	}
	if len(m.References) > 0 {
		h.SetMsgIDList("References", m.References)
	}
	if m.AutoSubmitted {
		h.Set("Auto-Submitted", "auto-replied")
	}

	var b bytes.Buffer
	if m.HTML == "" {
		h.Header.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		w, err := gomail.CreateSingleInlineWriter(&b, h)
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		if err := writePart(w, m.Body); err != nil {
			return nil, err
		}
	} else {
		w, err := gomail.CreateInlineWriter(&b, h)
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		for _, p := range []struct{ typ, body string }{{"text/plain", m.Body}, {"text/html", m.HTML}} {
			var ih gomail.InlineHeader
			textPart(&ih, p.typ)
			pw, err := w.CreatePart(ih)
			if err != nil {
				return nil, fmt.Errorf("compose: %w", err)
			}
			if err := writePart(pw, p.body); err != nil {
				return nil, err
			}
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n") // SMTP ends the data on a line of its own
	}
	return b.Bytes(), nil
}

func textPart(h *gomail.InlineHeader, typ string) {
	h.SetContentType(typ, map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
}

// writePart writes body with CRLF line ends (the form RFC 5322 sends) and closes w.
func writePart(w io.WriteCloser, body string) error {
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := io.WriteString(w, body); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	return nil
}

func addressList(list []string) ([]*gomail.Address, error) {
	out := make([]*gomail.Address, 0, len(list))
	for _, s := range list {
		a, err := parseAddress(s)
		if err != nil {
			return nil, err
		}
		out = append(out, &gomail.Address{Name: a.Name, Address: a.Address})
	}
	return out, nil
}

// messageID is m's chosen id, or one stable for its outbox row (ref), or a random one,
// in the sender's domain as RFC 5322 recommends.
func messageID(m Message, fromAddr string) string {
	switch {
	case m.MessageID != "":
		return m.MessageID
	case m.ref != "":
		return m.ref + "@" + Domain(fromAddr)
	}
	return NewMessageID(Domain(fromAddr))
}
