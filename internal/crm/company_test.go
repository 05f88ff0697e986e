package crm

import (
	"errors"
	"sync"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/db"
)

func TestCreateCompanyDeduplicatesOnDomain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, err := CreateCompany(f.ctx, f.db.DB, "Acme", ptr("acme.com"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateCompany(f.ctx, f.db.DB, "Acme again", ptr("acme.com")); !errors.Is(err, ErrDomainTaken) {
		t.Fatalf("second acme.com: got %v, want ErrDomainTaken", err)
	}
	// Companies without a domain are never duplicates of each other.
	for range 2 {
		if _, err := CreateCompany(f.ctx, f.db.DB, "No site", nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := CompanyByDomain(f.ctx, f.db.DB, "acme.com")
	if err != nil || got.ID != c.ID || got.Name != "Acme" {
		t.Fatalf("by domain: %+v, %v", got, err)
	}
	if _, err := CompanyByDomain(f.ctx, f.db.DB, "nope.com"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown domain: %v", err)
	}
	if got, err := CompanyByID(f.ctx, f.db.DB, c.ID); err != nil || got.Name != "Acme" || *got.Domain != "acme.com" {
		t.Fatalf("by id: %+v, %v", got, err)
	}
	if _, err := CompanyByID(f.ctx, f.db.DB, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

// Two creates of the same domain racing: the database lets exactly one through, and
// the other gets the duplicate error (not a generic failure).
func TestCreateCompanyRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for round := range 20 {
		domain := "race" + string(rune('a'+round)) + ".com"
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				<-start
				_, errs[i] = CreateCompany(f.ctx, f.db.DB, "Racer", &domain)
			})
		}
		close(start)
		wg.Wait()
		ok, dup := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrDomainTaken):
				dup++
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if ok != 1 || dup != 1 {
			t.Fatalf("round %d: %d created, %d duplicates; want 1 and 1", round, ok, dup)
		}
		if n := f.count(`SELECT count(*) FROM companies WHERE domain = $1`, domain); n != 1 {
			t.Fatalf("round %d: %d rows for %s", round, n, domain)
		}
	}
}

func TestUpdateCompany(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(auth.RoleSales, "Rep")
	a := f.company("Acme", "acme.com")
	f.company("Globex", "globex.com")
	if err := UpdateCompany(f.ctx, f.db.DB, rep, a, 1, "Acme Corp", ptr("acme.io"), CompanyBuiltin{}); err != nil {
		t.Fatal(err)
	}
	if err := UpdateCompany(f.ctx, f.db.DB, rep, a, 2, "Acme Corp", ptr("globex.com"), CompanyBuiltin{}); !errors.Is(err, ErrDomainTaken) {
		t.Fatalf("taking globex.com: %v", err)
	}
	// The form loaded at version 1 is out of date: nothing is saved.
	if err := UpdateCompany(f.ctx, f.db.DB, rep, a, 1, "Acme Inc", nil, CompanyBuiltin{}); !errors.Is(err, ErrStale) {
		t.Fatalf("stale version: %v", err)
	}
	if err := UpdateCompany(f.ctx, f.db.DB, rep, "00000000-0000-0000-0000-000000000000", 1, "X", nil, CompanyBuiltin{}); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	c, _ := loadCompanyForEdit(f.ctx, f.db.DB, a)
	if c.Name != "Acme Corp" || *c.Domain != "acme.io" || c.Version != 2 || deref(c.UpdatedByName) != "Rep" || c.UpdatedAt == nil {
		t.Fatalf("after update: %+v", c)
	}
}
