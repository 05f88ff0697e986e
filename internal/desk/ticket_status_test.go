package desk

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"rapport/internal/testenv"
)

// checkValues is the values a CHECK (column IN (...)) constraint allows, sorted.
func checkValues(t *testing.T, d *testenv.Database, constraint string) []string {
	t.Helper()
	var def string
	if err := d.DB.QueryRow(context.Background(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1`, constraint).Scan(&def); err != nil {
		t.Fatalf("%s: %v", constraint, err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(def, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

func sortedStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	slices.Sort(out)
	return out
}

// The statuses and priorities are exactly the values the schema's checks allow, each
// with a label of its own. (Seen failing with "escalated" added to Statuses.)
func TestStatusesAndPrioritiesMatchTheSchema(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	for _, c := range []string{"tickets_status_check", "ticket_status_changes_from_check", "ticket_status_changes_to_check"} {
		if got, want := sortedStrings(Statuses), checkValues(t, d, c); !slices.Equal(got, want) {
			t.Errorf("Statuses %v, %s allows %v", got, c, want)
		}
	}
	for _, c := range []string{"tickets_priority_check", "sla_policies_priority_check"} {
		if got, want := sortedStrings(Priorities), checkValues(t, d, c); !slices.Equal(got, want) {
			t.Errorf("Priorities %v, %s allows %v", got, c, want)
		}
	}
	for _, s := range Statuses {
		if !s.Valid() || s.Label() == string(s) {
			t.Errorf("status %q: valid %v, label %q", s, s.Valid(), s.Label())
		}
	}
	for i, p := range Priorities {
		if !p.Valid() || p.Label() == string(p) || p.Rank() != i {
			t.Errorf("priority %q: valid %v, label %q, rank %d", p, p.Valid(), p.Label(), p.Rank())
		}
	}
	if Status("escalated").Valid() || Priority("").Valid() || Priority("x").Rank() != -1 {
		t.Error("an unknown value passes")
	}
}
