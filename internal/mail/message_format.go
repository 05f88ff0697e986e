package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"
)

// maxLine is where header values are folded; RFC 5322 asks for 78 and forbids 998.
const maxLine = 78

// compose renders m as an RFC 5322 message from from to to. The body goes out
// quoted-printable, so it arrives intact through servers that are not 8-bit clean and
// no body line can exceed the 998-octet limit.
func compose(from, to *netmail.Address, m Message, now time.Time) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name+": "+value, len(name)+2))
		b.WriteString("\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(m.ref, from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(m.Body)) // writes to a bytes.Buffer cannot fail
	_ = qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n") // SMTP ends the data on a line of its own
	}
	return b.Bytes()
}

// fold breaks a header line at spaces after the first skip bytes (the field name), so
// that no line passes maxLine where a space allows it. Unfolding removes only the CRLF,
// so the value reads back unchanged.
func fold(line string, skip int) string {
	if len(line) <= maxLine {
		return line
	}
	var b strings.Builder
	for len(line) > maxLine {
		cut := strings.LastIndexByte(line[:maxLine], ' ')
		if cut < skip {
			cut = strings.IndexByte(line[maxLine:], ' ')
			if cut < 0 {
				break
			}
			cut += maxLine
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n")
		line = line[cut:] // keeps the space, which begins the continuation line
		skip = 1
	}
	b.WriteString(line)
	return b.String()
}

// messageID is stable for an outbox row (ref) and random otherwise, in the sender's
// domain as RFC 5322 recommends.
func messageID(ref, fromAddr string) string {
	domain := "rapport.invalid"
	if at := strings.LastIndexByte(fromAddr, '@'); at >= 0 && at < len(fromAddr)-1 {
		domain = fromAddr[at+1:]
	}
	if ref == "" {
		var r [16]byte
		_, _ = rand.Read(r[:]) // never fails on supported platforms
		ref = hex.EncodeToString(r[:])
	}
	return "<" + ref + "@" + domain + ">"
}
