package audit

import (
	"reflect"
	"testing"
)

// Every action the page's filter offers has a name for people: one added to Actions
// without a label would show as "area.verb". Seen failing with TwoStepRequired's label
// removed.
func TestEveryActionHasALabel(t *testing.T) {
	seen := map[string]Action{}
	for _, a := range Actions {
		l, ok := actionLabels[a]
		if !ok || l == "" {
			t.Errorf("%s has no label", a)
		}
		if other, dup := seen[l]; dup {
			t.Errorf("%s and %s are both labelled %q", other, a, l)
		}
		seen[l] = a
	}
	if len(actionLabels) != len(Actions) {
		t.Errorf("%d labels for %d actions", len(actionLabels), len(Actions))
	}
}

func TestChanges(t *testing.T) {
	for _, tc := range []struct {
		name, before, after string
		want                []Change
	}{
		{"nothing", "", "", nil},
		{"created", "", `{"resolve_mins": 240, "name": "Gold", "custom_thing": null}`, []Change{
			{Field: "Name", After: "Gold", HasAfter: true},
			{Field: "Resolution (minutes)", After: "240", HasAfter: true},
			{Field: "Custom thing", After: "none", HasAfter: true},
		}},
		{"changed, the same left out", `{"name": "Gold", "priority": "high"}`, `{"priority":"high","name":"Platinum"}`, []Change{
			{Field: "Name", Before: "Gold", After: "Platinum", HasBefore: true, HasAfter: true},
		}},
		{"a field gone and one new", `{"role": "agent", "team": "Tier 1"}`, `{"role": "sales", "email_verified": true}`, []Change{
			{Field: "Role", Before: "agent", After: "sales", HasBefore: true, HasAfter: true},
			{Field: "Team", Before: "Tier 1", HasBefore: true},
			{Field: "Email confirmed", After: "yes", HasAfter: true},
		}},
		{"nested values as JSON", "", `{"x": {"a": [1, 2]}}`, []Change{{Field: "X", After: `{"a":[1,2]}`, HasAfter: true}}},
		{"not an object", `"old"`, `[1]`, []Change{{Field: "Value", Before: "old", After: "[1]", HasBefore: true, HasAfter: true}}},
	} {
		if got := changes(tc.before, tc.after); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
