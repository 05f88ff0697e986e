// Package inbound reads mail that arrives at a support mailbox: raw RFC 5322 bytes in, a
// Message out (who wrote, what they wrote without the quoted history, what it answers,
// its attachments, and whether a machine sent it), or a Quarantine saying why it could
// not be read. It never panics on input: it is fuzzed (FuzzParse). MIME, transfer
// encodings and charsets are github.com/emersion/go-message's; the rules about what a
// support desk does with mail are ours.
package inbound

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset go-message knows, not only UTF-8 and ASCII
	"github.com/emersion/go-message/mail"
)

// Limits bound what one message may hold. The zero value takes the defaults.
type Limits struct {
	Message int64 // the raw message (default 25 MB)
	File    int64 // one attachment, decoded (default 10 MB)
	Parts   int   // MIME parts in all (default 100)
	Depth   int   // nesting of multiparts (default 10)
}

func (l Limits) withDefaults() Limits {
	if l.Message <= 0 {
		l.Message = 25 << 20
	}
	if l.File <= 0 {
		l.File = 10 << 20
	}
	if l.Parts <= 0 {
		l.Parts = 100
	}
	if l.Depth <= 0 {
		l.Depth = 10
	}
	return l
}

// maxLine is RFC 5322's limit on a line of a header (998 characters and CRLF): a longer
// one is not mail a client sends, and is refused rather than guessed at.
const maxLine = 998

// Address is a mailbox: its address (lower-cased domain) and display name.
type Address struct {
	Name, Email string
}

// Attachment is a file the message carries.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	Inline      bool // an inline part (an embedded image) rather than an attached file
}

// Message is a mail as the desk uses it.
type Message struct {
	MessageID  string // without angle brackets; "" when the message has none
	InReplyTo  []string
	References []string
	Subject    string
	From       Address
	To, Cc     []Address
	ReplyTo    []Address
	Date       time.Time // zero when missing or unreadable
	// FullText is the whole text of the message (from its text/plain part, or its HTML
	// made text); Text is what the writer added: FullText without the quoted history and
	// the signature. Staff can see FullText; the thread shows Text.
	FullText, Text string
	// FromHTML: the text was made from an HTML part (no text/plain was sent).
	FromHTML    bool
	Attachments []Attachment
	// Automatic says why a machine sent it ("" when a person did): see automatic.go.
	Automatic string
	// Bounced is the Message-ID of our mail that a delivery failure report is about.
	Bounced string
}

// Quarantine is a message Rapport cannot read, and why, in words for the admin.
type Quarantine struct{ Reason string }

func (q *Quarantine) Error() string { return "quarantined: " + q.Reason }

func quarantine(format string, args ...any) error {
	return &Quarantine{Reason: fmt.Sprintf(format, args...)}
}

// Parse reads raw as a message within limits. An error is always a *Quarantine.
func Parse(raw []byte, limits Limits) (m *Message, err error) {
	l := limits.withDefaults()
	if int64(len(raw)) > l.Message {
		return nil, quarantine("the message is %d bytes, more than the %d allowed", len(raw), l.Message)
	}
	if err := checkHeaderLines(raw); err != nil {
		return nil, err
	}
	e, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: 256 << 10})
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, quarantine("its header cannot be read: %v", err)
	}
	if err != nil {
		return nil, quarantine("its body is in an unknown charset or encoding: %v", err)
	}
	h := mail.Header{Header: e.Header}
	m = &Message{}
	if m.MessageID, err = h.MessageID(); err != nil {
		m.MessageID = ""
	}
	m.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	m.References, _ = h.MsgIDList("References")
	subject, err := h.Subject()
	if err != nil {
		subject = h.Get("Subject") // an unknown charset in an encoded word: keep it as sent
	}
	m.Subject = cleanLine(subject)
	from, err := h.AddressList("From")
	if err != nil || len(from) == 0 {
		return nil, quarantine("it has no readable sender (From)")
	}
	m.From = address(from[0])
	m.To = addresses(h, "To")
	m.Cc = addresses(h, "Cc")
	m.ReplyTo = addresses(h, "Reply-To")
	if d, err := h.Date(); err == nil {
		m.Date = d.UTC()
	}
	m.Automatic = automatic(e.Header, m.From)

	w := walker{limits: l, msg: m}
	if err := w.walk(e, 0); err != nil {
		return nil, err
	}
	switch {
	case w.plain != nil:
		m.FullText = *w.plain
	case w.html != nil:
		m.FullText, m.FromHTML = htmlToText(*w.html), true
	}
	m.FullText = normalise(m.FullText)
	m.Text = cutReply(m.FullText)
	if m.Automatic == "bounce" {
		m.Bounced = w.bounced
	}
	return m, nil
}

// checkHeaderLines refuses a header with a line longer than RFC 5322 allows.
func checkHeaderLines(raw []byte) error {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		if end = bytes.Index(raw, []byte("\n\n")); end < 0 {
			end = len(raw)
		}
	}
	for line := range bytes.SplitSeq(raw[:end], []byte("\n")) {
		if len(bytes.TrimRight(line, "\r")) > maxLine {
			return quarantine("a header line is longer than %d characters", maxLine)
		}
	}
	return nil
}

type walker struct {
	limits      Limits
	msg         *Message
	parts       int
	plain, html *string
	bounced     string
}

// walk visits e and its parts: the first text/plain and text/html outside attachments
// are the body; every part with a file name or an attachment disposition is a file.
func (w *walker) walk(e *message.Entity, depth int) error {
	w.parts++
	if w.parts > w.limits.Parts {
		return quarantine("it has more than %d MIME parts", w.limits.Parts)
	}
	if depth > w.limits.Depth {
		return quarantine("its parts are nested more than %d deep", w.limits.Depth)
	}
	ct, params, err := e.Header.ContentType()
	if err != nil {
		ct = "text/plain" // RFC 2045's default, also for a Content-Type that cannot be read
	}
	if mr := e.MultipartReader(); mr != nil {
		if params["boundary"] == "" {
			return quarantine("a multipart part has no boundary")
		}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				if message.IsUnknownCharset(err) || message.IsUnknownEncoding(err) {
					return quarantine("a part is in an unknown charset or encoding: %v", err)
				}
				return quarantine("its MIME structure is broken: %v", err)
			}
			if err := w.walk(p, depth+1); err != nil {
				return err
			}
		}
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	body, err := readBounded(e.Body, w.limits.File)
	if err != nil {
		return err
	}
	switch {
	case ct == "message/delivery-status" || ct == "message/rfc822" || ct == "text/rfc822-headers":
		if id := originalMessageID(body); id != "" && w.bounced == "" {
			w.bounced = id
		}
		if ct != "message/delivery-status" {
			w.msg.Attachments = append(w.msg.Attachments, Attachment{Name: orName(name, "message.eml"), ContentType: ct, Data: body})
		}
	case disp != "attachment" && name == "" && ct == "text/plain" && w.plain == nil:
		s := toValidUTF8(body)
		w.plain = &s
	case disp != "attachment" && name == "" && ct == "text/html" && w.html == nil:
		s := toValidUTF8(body)
		w.html = &s
	default:
		w.msg.Attachments = append(w.msg.Attachments, Attachment{Name: orName(fileName(name), "attachment"),
			ContentType: ct, Data: body, Inline: disp == "inline"})
	}
	return nil
}

// readBounded reads a part's decoded body, refusing one past max.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		if message.IsUnknownCharset(err) || message.IsUnknownEncoding(err) {
			return nil, quarantine("a part is in an unknown charset or encoding: %v", err)
		}
		return nil, quarantine("a part is cut short or cannot be decoded (its MIME structure is broken): %v", err)
	}
	if int64(len(b)) > max {
		return nil, quarantine("a part is larger than the %d bytes allowed for a file", max)
	}
	return b, nil
}

// originalMessageID finds the Message-ID of the message a report or a forwarded copy
// is about (its own header block).
func originalMessageID(b []byte) string {
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Message-ID") {
			return strings.Trim(strings.TrimSpace(v), "<>")
		}
	}
	return ""
}

func address(a *mail.Address) Address {
	email := a.Address
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		email = email[:at] + strings.ToLower(email[at:])
	}
	return Address{Name: cleanLine(a.Name), Email: email}
}

func addresses(h mail.Header, key string) []Address {
	list, err := h.AddressList(key)
	if err != nil {
		return nil
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		out = append(out, address(a))
	}
	return out
}

// fileName keeps only the last element of a sent file name (no paths) and decodes an
// RFC 2047 encoded one.
func fileName(name string) string {
	if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
		name = dec
	}
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	return cleanLine(name)
}

func orName(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

// cleanLine makes a header value one valid line: invalid UTF-8 replaced, line breaks
// and other control characters dropped.
func cleanLine(s string) string {
	s = toValidUTF8([]byte(s))
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			if r == '\t' {
				return ' '
			}
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// normalise gives text with \n line ends and no trailing blank lines.
func normalise(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimRight(s, " \n\t")
}
