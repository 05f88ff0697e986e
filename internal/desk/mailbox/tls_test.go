package mailbox

import (
	"crypto/x509"
	"strings"
	"testing"

	"rapport/internal/testenv"
)

// TLS from the first byte and STARTTLS against the real Dovecot: both log in when its
// certificate is trusted, both refuse it when it is not (the certificate is checked,
// never skipped), and plaintext to another machine is refused before connecting.
func TestTLSAndStartTLS(t *testing.T) {
	t.Parallel()
	im := testenv.NewMailbox(t)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(im.CertPEM) {
		t.Fatal("the harness's certificate does not parse")
	}
	tlsServer := Server{Host: im.Host, Port: im.TLSPort, Security: SecurityTLS, User: im.User, Password: im.Password, Folder: "INBOX"}
	startTLS := Server{Host: im.Host, Port: im.Port, Security: SecurityStartTLS, User: im.User, Password: im.Password, Folder: "INBOX"}
	for name, s := range map[string]Server{"TLS": tlsServer, "STARTTLS": startTLS} {
		if err := Test(s); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s with an untrusted certificate: %v, want a certificate error", name, err)
		}
		s.roots = roots
		if err := Test(s); err != nil {
			t.Errorf("%s with the certificate trusted: %v", name, err)
		}
		s.Password = "wrong"
		if err := Test(s); err == nil || !strings.Contains(err.Error(), "refused the user name or password") {
			t.Errorf("%s with a wrong password: %v", name, err)
		}
	}
	plain := Server{Host: "imap.example.com", Port: 143, Security: SecurityNone, User: "u", Password: "p", Folder: "INBOX"}
	if err := Test(plain); err != ErrPlaintext {
		t.Errorf("plaintext to another machine: %v, want ErrPlaintext", err)
	}
	if err := Test(Server{Host: im.Host, Port: im.Port, Security: SecurityNone, User: im.User, Password: im.Password, Folder: "No such folder"}); err == nil ||
		!strings.Contains(err.Error(), `cannot open the folder "No such folder"`) {
		t.Errorf("a missing folder: %v", err)
	}
}
