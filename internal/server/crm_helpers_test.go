package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/crm"
)

// crmWorld is an app with a sales team and a small CRM: two reps, an admin, an agent
// and a customer, each with a signed-in browser; a pipeline; Acme with Jane (the first
// rep's contact) and her deal.
type crmWorld struct {
	*app
	t                                *testing.T
	rep, rep2, admin, agent, cust    *auth.User
	repB, rep2B, adminB, agentB, cuB *browser
	anon                             *browser
	pipe, acme, jane, deal           string
}

func newCRM(t *testing.T) *crmWorld {
	t.Helper()
	a := newApp(t)
	w := &crmWorld{app: a, t: t, anon: a.browser()}
	signed := func(role auth.Role, email string) (*auth.User, *browser) {
		u := a.user(role, email)
		b := a.browser()
		b.signIn(email)
		return u, b
	}
	w.rep, w.repB = signed(auth.RoleSales, "rep@example.com")
	w.rep2, w.rep2B = signed(auth.RoleSales, "rep2@example.com")
	w.admin, w.adminB = signed(auth.RoleAdmin, "admin@example.com")
	w.agent, w.agentB = signed(auth.RoleAgent, "agent@example.com")
	w.cust, w.cuB = signed(auth.RoleCustomer, "customer@example.com")
	if _, err := a.db.DB.Exec(context.Background(), `UPDATE "user" SET name = CASE email WHEN 'rep@example.com' THEN 'Rita Rep'
		WHEN 'rep2@example.com' THEN 'Otto Other' WHEN 'admin@example.com' THEN 'Ada Admin' ELSE name END`); err != nil {
		t.Fatal(err)
	}
	w.pipe = w.pipeline("Inbound")
	w.acme = w.company("Acme", "acme.com")
	w.jane = w.contact("jane@acme.com", "Jane Doe", w.acme, w.rep)
	w.deal = w.newDeal("Acme starter", w.jane, w.rep, "lead", 1_250_000)
	return w
}

func (w *crmWorld) pipeline(name string) string {
	w.t.Helper()
	id, err := crm.CreatePipeline(context.Background(), w.db.DB, name)
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *crmWorld) company(name, domain string) string {
	w.t.Helper()
	c, err := crm.CreateCompany(context.Background(), w.db.DB, name, &domain)
	if err != nil {
		w.t.Fatal(err)
	}
	return c.ID
}

func (w *crmWorld) contact(email, name, companyID string, owner *auth.User) string {
	w.t.Helper()
	f := crm.ContactFields{Email: email, Name: &name, OwnerID: owner.ID}
	if companyID != "" {
		f.CompanyID = &companyID
	}
	id, err := crm.CreateContact(context.Background(), w.db.DB, f)
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *crmWorld) newDeal(title, contactID string, owner *auth.User, stage crm.Stage, cents int64) string {
	w.t.Helper()
	close := time.Now().UTC().AddDate(0, 0, 10).Truncate(24 * time.Hour)
	id, err := crm.CreateDeal(context.Background(), w.db.DB, crm.DealFields{Title: title, ContactID: contactID,
		PipelineID: w.pipe, OwnerID: owner.ID, AmountCents: cents, CloseDate: &close, Stage: stage})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// stageOf is a deal's stage in the database.
func (w *crmWorld) stageOf(id string) string {
	w.t.Helper()
	var s string
	if err := w.db.DB.QueryRow(context.Background(), `SELECT stage FROM deals WHERE id = $1`, id).Scan(&s); err != nil {
		w.t.Fatal(err)
	}
	return s
}

// postFile posts a multipart form with one file, as a browser's upload form would.
func (b *browser) postFile(path string, fields map[string]string, field, filename string, content []byte) response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range withKey(fields) {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(field, filename)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.a.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// columnStats is a board column's count and total as shown, like "3|$1,200".
func columnStats(t *testing.T, r response, stage string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)data-kind="` + stage + `".*?<span class="column-count">(\d+)</span>.*?<span class="column-total">([^<]*)</span>`)
	m := re.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no column %s on the board", stage)
	}
	return m[1] + "|" + m[2]
}

// column is the HTML of a board column.
func column(r response, stage string) string {
	i := strings.Index(r.body, `data-kind="`+stage+`"`)
	if i < 0 {
		return ""
	}
	rest := r.body[i:]
	if j := strings.Index(rest[1:], `<section class="board-column`); j >= 0 {
		return rest[:j+1]
	}
	return rest
}
