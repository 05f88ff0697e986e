package crm

import (
	"errors"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// dealSetup is a pipeline with a contact at Acme and two reps and an admin.
type dealSetup struct {
	*fixture
	rep, other, admin Actor
	pipe, acme, jane  string
}

func newDealSetup(t *testing.T) *dealSetup {
	f := newFixture(t)
	s := &dealSetup{fixture: f, rep: f.user(auth.RoleSales, "Rep"), other: f.user(auth.RoleSales, "Other"), admin: f.user(auth.RoleAdmin, "Admin")}
	s.pipe = f.pipeline("Inbound")
	s.acme = f.company("Acme", "acme.com")
	s.jane = f.contact("jane@acme.com", "Jane", &s.acme, s.rep)
	return s
}

func TestDealCreateAndUpdate(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	id := s.deal("Starter", s.jane, s.pipe, s.rep, "lead", 1_250_050, ptr(day(2030, 3, 1)))
	d, err := DealByID(s.ctx, s.db.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Starter" || d.AmountCents != 1_250_050 || d.Stage != "lead" || !d.CloseDate.Equal(day(2030, 3, 1)) ||
		d.ContactName != "Jane" || deref(d.CompanyName) != "Acme" || d.PipelineName != "Inbound" || d.OwnerName != "Rep" {
		t.Fatalf("deal %+v", d)
	}
	if !d.StageChangedAt.Equal(d.CreatedAt) {
		t.Errorf("a new deal's stage starts at its creation: %v vs %v", d.StageChangedAt, d.CreatedAt)
	}
	// A deal dated in the past (an import, the seed) has been in its stage since then.
	var since time.Time
	if err := s.db.DB.QueryRow(s.ctx, `INSERT INTO deals (contact_id, pipeline_id, owner_id, title, created_at)
		VALUES ($1, $2, $3, 'Old', now() - interval '30 days') RETURNING stage_changed_at`, s.jane, s.pipe, s.rep.ID).Scan(&since); err != nil {
		t.Fatal(err)
	}
	if days := daysSince(since, time.Now()); days != 30 {
		t.Errorf("old deal: %d days in stage, want 30", days)
	}

	edit := DealFields{Title: "Starter, 30 seats", ContactID: s.jane, PipelineID: s.pipe, OwnerID: s.rep.ID, AmountCents: 99}
	if err := UpdateDeal(s.ctx, s.db.DB, s.rep, id, 1, edit); err != nil {
		t.Fatalf("owner: %v", err)
	}
	if err := UpdateDeal(s.ctx, s.db.DB, s.other, id, 2, edit); !errors.Is(err, ErrForbidden) {
		t.Fatalf("another rep: %v", err)
	}
	edit.OwnerID = s.other.ID
	if err := UpdateDeal(s.ctx, s.db.DB, s.rep, id, 2, edit); err != nil {
		t.Fatalf("the owner hands it over: %v", err)
	}
	if err := UpdateDeal(s.ctx, s.db.DB, s.rep, id, 3, edit); !errors.Is(err, ErrForbidden) {
		t.Fatalf("after handing it over: %v", err)
	}
	if err := UpdateDeal(s.ctx, s.db.DB, s.admin, id, 3, edit); err != nil {
		t.Fatalf("admin: %v", err)
	}
	if err := UpdateDeal(s.ctx, s.db.DB, s.admin, noCompany, 1, edit); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	d, _ = DealByID(s.ctx, s.db.DB, id)
	if d.Title != "Starter, 30 seats" || d.AmountCents != 99 || d.CloseDate != nil || d.OwnerID != s.other.ID || d.Stage != "lead" {
		t.Fatalf("after edits: %+v", d)
	}
	// A form loaded before the admin's edit is out of date. A stage move is no edit of
	// the form's fields: it leaves the version alone.
	if err := UpdateDeal(s.ctx, s.db.DB, s.admin, id, 3, edit); !errors.Is(err, ErrStale) {
		t.Fatalf("stale version: %v", err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.admin, id, MoveTo{Kind: StageWon}); err != nil {
		t.Fatal(err)
	}
	if err := UpdateDeal(s.ctx, s.db.DB, s.admin, id, 4, edit); err != nil {
		t.Fatalf("after a move: %v", err)
	}
}

func TestMoveDealRecordsTheChange(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	id := s.deal("Starter", s.jane, s.pipe, s.rep, "lead", 100, nil)
	s.exec(`UPDATE deals SET stage_changed_at = now() - interval '5 days' WHERE id = $1`, id)

	m, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{Kind: StageQualified})
	if err != nil || !m.Moved || m.From != "lead" || m.To.Kind != "qualified" || m.Title != "Starter" {
		t.Fatalf("move: %+v, %v", m, err)
	}
	d, _ := DealByID(s.ctx, s.db.DB, id)
	if d.Stage != "qualified" || daysSince(d.StageChangedAt, time.Now()) != 0 {
		t.Fatalf("after the move: %s since %v", d.Stage, d.StageChangedAt)
	}
	if n := s.count(`SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1 AND from_stage = 'lead' AND to_stage = 'qualified' AND actor_id = $2`, id, s.rep.ID); n != 1 {
		t.Fatalf("%d history rows", n)
	}

	// The same stage again: nothing changes, nothing is recorded.
	if m, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{Kind: StageQualified}); err != nil || m.Moved {
		t.Fatalf("same stage: %+v, %v", m, err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.other, id, MoveTo{Kind: StageWon}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("another rep: %v", err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.admin, id, MoveTo{Kind: StageWon}); err != nil {
		t.Fatalf("admin: %v", err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.admin, noCompany, MoveTo{Kind: StageWon}); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	// One transaction: a history row that cannot be written leaves the deal as it was.
	if _, err := MoveDeal(s.ctx, s.db.DB, Actor{ID: "no-such-user", Admin: true}, id, MoveTo{Kind: StageLost, Reason: "Price"}); err == nil {
		t.Fatal("a move by a user that does not exist succeeded")
	}
	if d, _ := DealByID(s.ctx, s.db.DB, id); d.Stage != "won" {
		t.Fatalf("half a move: the deal is %s", d.Stage)
	}
	if n := s.count(`SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1`, id); n != 2 {
		t.Fatalf("%d history rows, want 2", n)
	}
	// The history is append-only, like the activities.
	if _, err := s.db.DB.Exec(s.ctx, `UPDATE deal_stage_changes SET to_stage = 'lost'`); err == nil {
		t.Fatal("the stage history was rewritten")
	}
	if _, err := s.db.DB.Exec(s.ctx, `DELETE FROM deal_stage_changes`); err == nil {
		t.Fatal("the stage history was deleted")
	}
}

func TestActivitiesAndTimeline(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	id := s.deal("Starter", s.jane, s.pipe, s.rep, "lead", 100, nil)
	if err := LogActivity(s.ctx, s.db.DB, s.rep, id, "call", "Discovery call"); err != nil {
		t.Fatal(err)
	}
	if err := LogActivity(s.ctx, s.db.DB, s.other, id, "note", "Not mine"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("another rep logs: %v", err)
	}
	if err := LogActivity(s.ctx, s.db.DB, s.admin, noCompany, "note", "x"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown deal: %v", err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{Kind: StageQualified}); err != nil {
		t.Fatal(err)
	}
	if err := LogActivity(s.ctx, s.db.DB, s.admin, id, "email", "Sent the proposal"); err != nil {
		t.Fatal(err)
	}
	// Spread the times so the order is certain.
	s.exec(`ALTER TABLE deal_stage_changes DISABLE TRIGGER deal_stage_changes_append_only`)
	s.exec(`UPDATE deal_stage_changes SET changed_at = now() - interval '2 hours' WHERE deal_id = $1`, id)
	s.exec(`ALTER TABLE deal_stage_changes ENABLE TRIGGER deal_stage_changes_append_only`)
	s.exec(`ALTER TABLE activities DISABLE TRIGGER activities_append_only`)
	s.exec(`UPDATE activities SET occurred_at = now() - interval '3 hours' WHERE type = 'call'`)
	s.exec(`UPDATE activities SET occurred_at = now() - interval '1 hour' WHERE type = 'email'`)
	s.exec(`ALTER TABLE activities ENABLE TRIGGER activities_append_only`)

	all, err := DealTimeline(s.ctx, s.db.DB, id, Cursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, e := range all {
		got += e.Kind + ":" + e.Type + string(e.ToStage) + ":" + e.ActorName + " "
	}
	if want := "activity:email:Admin stage:qualified:Rep activity:call:Rep "; got != want {
		t.Fatalf("timeline %q, want %q", got, want)
	}
	if all[2].Body != "Discovery call" || all[1].FromStage != "lead" {
		t.Errorf("entries %+v", all)
	}
	// Keyset pages of one entry walk the same order.
	var paged []string
	cur := Cursor{}
	for range 5 {
		page, err := DealTimeline(s.ctx, s.db.DB, id, cur, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page[0].ID)
		// Through its link form, as the "Older entries" link carries it.
		if cur, err = readCursor(mustString(t, Cursor{Key: page[0].At, ID: page[0].ID}), "timestamptz"); err != nil {
			t.Fatal(err)
		}
	}
	if len(paged) != 3 || paged[0] != all[0].ID || paged[1] != all[1].ID || paged[2] != all[2].ID {
		t.Fatalf("paged %v", paged)
	}

	jane, err := LoadContactDetails(s.ctx, s.db.DB, s.jane, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	acts := jane.Activity
	if len(acts) != 2 || acts[0].Type != "email" || acts[0].DealTitle != "Starter" || acts[1].ActorName != "Rep" {
		t.Fatalf("contact activity %+v, %v", acts, err)
	}
	acme, err := LoadCompanyDetails(s.ctx, s.db.DB, s.acme, CompanyLimits{Contacts: 10, OpenDeals: 10, Activity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if acts = acme.Activity; len(acts) != 1 || acts[0].Type != "email" {
		t.Fatalf("company activity %+v, %v", acts, err)
	}
}

func TestCompanyAndContactPages(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	tom := s.contact("tom@acme.com", "Tom", &s.acme, s.other)
	s.contact("anna@acme.com", "anna", &s.acme, s.other)
	s.contact("solo@gmail.com", "Solo", nil, s.rep)
	s.deal("Open one", s.jane, s.pipe, s.rep, "lead", 100_00, ptr(day(2030, 1, 2)))
	s.deal("Open two", s.jane, s.pipe, s.rep, "qualified", 250_00, ptr(day(2030, 1, 1)))
	s.deal("Open three", tom, s.pipe, s.other, "lead", 5_00, nil)
	s.deal("Won", tom, s.pipe, s.other, "won", 999_00, nil)

	acme, err := LoadCompanyDetails(s.ctx, s.db.DB, s.acme, CompanyLimits{Contacts: 10, OpenDeals: 2, Activity: 10})
	if err != nil {
		t.Fatal(err)
	}
	contacts := acme.Contacts
	if len(contacts) != 3 || contacts[0].Name != "anna" || contacts[1].Name != "Jane" || contacts[2].Name != "Tom" {
		t.Fatalf("company contacts %+v, %v", contacts, err)
	}
	deals, n, total := acme.OpenDeals, acme.OpenCount, acme.OpenTotal
	if n != 3 || total != 355_00 || len(deals) != 2 || deals[0].Title != "Open two" || deals[1].Title != "Open one" {
		t.Fatalf("open deals %+v, %d, %d, %v", deals, n, total, err)
	}
	if empty, err := LoadCompanyDetails(s.ctx, s.db.DB, s.company("Empty", ""), CompanyLimits{Contacts: 10, OpenDeals: 2, Activity: 10}); err != nil ||
		empty.OpenCount != 0 || empty.OpenTotal != 0 || len(empty.OpenDeals) != 0 || len(empty.Contacts) != 0 || len(empty.Activity) != 0 {
		t.Fatalf("no deals: %+v %v", empty, err)
	}
	if _, err := LoadCompanyDetails(s.ctx, s.db.DB, noCompany, CompanyLimits{Contacts: 1, OpenDeals: 1, Activity: 1}); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("no such company: %v", err)
	}
	tomDetails, err := LoadContactDetails(s.ctx, s.db.DB, tom, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	if list := tomDetails.Deals; len(list) != 2 {
		t.Fatalf("contact deals %+v, %v", list, err)
	}
}
