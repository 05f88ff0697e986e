package web

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
)

// mailtoEscaper escapes what url.PathEscape leaves in an addr-spec that a mail client
// could still read as structure: "&" and "=" (header syntax, RFC 6068).
var mailtoEscaper = strings.NewReplacer("&", "%26", "=", "%3D")

// Mailto is a mailto: link to one address. The address is percent-escaped, so whatever
// it holds (one stored before addresses were checked strictly, say
// "boss?cc=attacker@evil.example&body=...") it stays one recipient: no "?" starts
// headers, no "," adds a recipient, no "%" or "#" is read as URL syntax.
func Mailto(addr string) templ.SafeURL {
	return templ.SafeURL("mailto:" + mailtoEscaper.Replace(url.PathEscape(addr)))
}
