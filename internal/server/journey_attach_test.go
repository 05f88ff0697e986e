package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
)

// In real Chromium: a customer files a ticket with a file chosen in the file input;
// the browser sends the multipart form, the ticket's thread lists the file, and the
// agent's page downloads the same bytes. Then a 4.5 MB file against a 1 MB limit (2 MB a
// message): the server reads the rest of the upload before it answers, so the browser
// shows the page that says so beside the file field, the typed reply still in the box.
func TestJourneyPortalAttachment(t *testing.T) {
	t.Parallel()
	a := newDeskAppWith(t, map[string]string{"ATTACHMENT_MAX_FILE_MB": "1", "ATTACHMENT_MAX_MESSAGE_MB": "2"}, nil)
	a.user(auth.RoleCustomer, "carol@example.com")
	a.user(auth.RoleAgent, "jordan@example.com")
	dir := t.TempDir()
	small := filepath.Join(dir, "receipt ünicode.txt")
	if err := os.WriteFile(small, []byte("receipt 42"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(big, make([]byte, 9<<19), 0o600); err != nil {
		t.Fatal(err)
	}

	customer := chrome(t)
	signInWithBrowser(t, customer, a, "carol@example.com")
	err := chromedp.Do(customer,
		chromedp.Navigate(a.srv.URL+"/support/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-subject`)),
		chromedp.SendKeys(chromedp.CSS(`#f-subject`), "Receipt attached"),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), "Here is the receipt."),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-files`), []string{small}),
		chromedp.Click(chromedp.CSS(`form[action="/support/tickets"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread .msg-files a`)),
	)
	if err != nil {
		t.Fatalf("file a ticket with a file: %v", err)
	}
	name, err := chromedp.Run(customer, chromedp.Text(chromedp.CSS(`.thread .msg-files a`)))
	if err != nil || name != "receipt ünicode.txt" {
		t.Fatalf("the thread lists %q, %v", name, err)
	}
	href, err := chromedp.Run(customer, chromedp.AttributeValue(chromedp.CSS(`.thread .msg-files a`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	id := href.Value[strings.LastIndex(href.Value, "/")+1:]
	jordan := a.browser()
	jordan.signIn("jordan@example.com")
	if r := jordan.get("/desk/attachments/" + id); r.status != 200 || r.body != "receipt 42" {
		t.Fatalf("the agent downloads %d %q", r.status, r.body)
	}

	err = chromedp.Do(customer,
		chromedp.SendKeys(chromedp.CSS(`#f-body`), "A reply I typed"),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-files`), []string{big}),
		chromedp.Click(chromedp.CSS(`form[action$="/reply"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-files-error`)),
	)
	if err != nil {
		t.Fatalf("reply with a file over the limit: %v", err)
	}
	msg, _ := chromedp.Run(customer, chromedp.Text(chromedp.CSS(`#f-files-error`)))
	if !strings.Contains(msg, "big.bin is over 1 MB") {
		t.Errorf("the file field says %q", msg)
	}
	typed, _ := chromedp.Run(customer, chromedp.Value(chromedp.CSS(`#f-body`)))
	if typed != "A reply I typed" {
		t.Errorf("the typed reply reads %q after the refusal", typed)
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_messages`); n != 1 {
		t.Errorf("%d messages after a refused reply, want 1", n)
	}
}
