package crm

import (
	"errors"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/db"
)

func TestContactsStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep, other := f.user(auth.RoleSales, "Rep"), f.user(auth.RoleSales, "Other")
	admin := f.user(auth.RoleAdmin, "Admin")
	acme := f.company("Acme", "acme.com")
	jane := f.contact("jane@acme.com", "Jane", &acme, rep)

	if _, err := CreateContact(f.ctx, f.db.DB, ContactFields{Email: "JANE@acme.com", OwnerID: other.ID}); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("same email in another case: %v", err)
	}
	c, err := ContactByEmail(f.ctx, f.db.DB, "Jane@Acme.COM")
	if err != nil || c.ID != jane || c.Name != "Jane" || deref(c.CompanyName) != "Acme" || deref(c.CompanyDomain) != "acme.com" || c.OwnerName != "Rep" {
		t.Fatalf("by email: %+v, %v", c, err)
	}
	if _, err := ContactByID(f.ctx, f.db.DB, noCompany); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}

	// The owner edits; another rep may not; an admin may, and may reassign.
	edit := ContactFields{Email: "jane.doe@acme.com", Name: ptr("Jane Doe"), OwnerID: rep.ID}
	if err := UpdateContact(f.ctx, f.db.DB, rep, jane, 1, edit); err != nil {
		t.Fatalf("owner: %v", err)
	}
	if err := UpdateContact(f.ctx, f.db.DB, other, jane, 2, ContactFields{Email: "x@acme.com", OwnerID: other.ID}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("another rep: %v", err)
	}
	if err := UpdateContact(f.ctx, f.db.DB, admin, jane, 2, ContactFields{Email: "jane.doe@acme.com", OwnerID: other.ID}); err != nil {
		t.Fatalf("admin reassigns: %v", err)
	}
	if err := UpdateContact(f.ctx, f.db.DB, rep, jane, 3, edit); !errors.Is(err, ErrForbidden) {
		t.Fatalf("former owner after reassignment: %v", err)
	}
	if err := UpdateContact(f.ctx, f.db.DB, admin, noCompany, 1, edit); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	f.contact("tom@acme.com", "Tom", &acme, rep)
	if err := UpdateContact(f.ctx, f.db.DB, admin, jane, 3, ContactFields{Email: "tom@acme.com", OwnerID: other.ID}); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("taking Tom's email: %v", err)
	}
	// A form loaded before the admin's edit is out of date; someone else's contact is
	// refused first, whatever the version.
	if err := UpdateContact(f.ctx, f.db.DB, admin, jane, 2, edit); !errors.Is(err, ErrStale) {
		t.Fatalf("stale version: %v", err)
	}
	if err := UpdateContact(f.ctx, f.db.DB, rep, jane, 2, edit); !errors.Is(err, ErrForbidden) {
		t.Fatalf("stale and not the owner's: %v", err)
	}
	c, _ = ContactByID(f.ctx, f.db.DB, jane)
	if c.Email != "jane.doe@acme.com" || c.Name != "" || c.CompanyID != nil || c.OwnerID != other.ID {
		t.Fatalf("after the admin's edit: %+v", c)
	}
}

func TestOwners(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(auth.RoleSales, "Bea Rep")
	admin := f.user(auth.RoleAdmin, "Al Admin")
	agent := f.user(auth.RoleAgent, "Cy Agent")
	gone := f.user(auth.RoleSales, "Dee Gone")
	f.exec(`UPDATE "user" SET banned = true WHERE id = $1`, gone.ID)
	owners, err := ListOwners(f.ctx, f.db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 2 || owners[0].ID != admin.ID || owners[1].ID != rep.ID {
		t.Fatalf("owners %+v", owners)
	}
	for id, want := range map[string]bool{rep.ID: true, admin.ID: true, agent.ID: false, gone.ID: false, "nobody": false} {
		if got, err := Assignable(f.ctx, f.db.DB, id); err != nil || got != want {
			t.Errorf("Assignable(%s) = %v, %v", id, got, err)
		}
	}
}
