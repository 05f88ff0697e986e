package crm

import (
	"errors"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/db"
)

func TestCustomerSnapshot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(auth.RoleSales, "Rep")
	pipe := f.pipeline("Inbound")
	acme := f.company("Acme", "acme.com")
	jane := f.contact("jane@acme.com", "Jane Doe", &acme, rep)
	f.deal("Later", jane, pipe, rep, "qualified", 200_00, ptr(day(2030, 1, 1)))
	f.deal("Sooner", jane, pipe, rep, "lead", 100_00, ptr(day(2029, 1, 1)))
	f.deal("Won already", jane, pipe, rep, "won", 999_00, nil)
	f.deal("Lost", jane, pipe, rep, "lost", 999_00, nil)
	lead := f.contact("solo@gmail.com", "", nil, rep)

	s, err := CustomerSnapshot(f.ctx, f.db.DB, "Jane@ACME.com")
	if err != nil {
		t.Fatal(err)
	}
	if s.ContactID != jane || s.ContactName != "Jane Doe" || s.CompanyID != acme || s.CompanyName != "Acme" {
		t.Fatalf("snapshot %+v", s)
	}
	if len(s.OpenDeals) != 2 || s.OpenDeals[0].Title != "Sooner" || s.OpenDeals[0].Stage != "lead" ||
		s.OpenDeals[0].AmountCents != 100_00 || s.OpenDeals[1].Title != "Later" || s.OpenDeals[1].ID == "" {
		t.Fatalf("open deals %+v", s.OpenDeals)
	}

	s, err = CustomerSnapshot(f.ctx, f.db.DB, "solo@gmail.com")
	if err != nil || s.ContactID != lead || s.CompanyID != "" || s.CompanyName != "" || len(s.OpenDeals) != 0 {
		t.Fatalf("lead without company: %+v, %v", s, err)
	}
	if _, err := CustomerSnapshot(f.ctx, f.db.DB, "nobody@example.com"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
}
