package crm

import (
	"slices"
	"testing"
)

// The stages are exactly the values the schema's checks allow, each with a label of its
// own, and only lead and qualified are open. (Seen failing with "negotiation" added to
// Stages.)
func TestStagesMatchTheSchema(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var got []string
	for _, s := range Stages {
		got = append(got, string(s))
		if !s.Valid() || s.Label() == string(s) {
			t.Errorf("stage %q: valid %v, label %q", s, s.Valid(), s.Label())
		}
	}
	slices.Sort(got)
	for _, c := range []string{"deals_stage_check", "deal_stage_changes_from_check", "deal_stage_changes_to_check", "pipeline_stages_kind_check"} {
		var want []string
		if err := f.db.DB.QueryRow(f.ctx, `SELECT array_agg(v ORDER BY v) FROM regexp_matches(
			(SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1), '''([^'']*)''', 'g') m(v)`, c).Scan(&want); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Stages %v, %s allows %v", got, c, want)
		}
	}
	var open []Stage
	for _, s := range Stages {
		if s.Open() {
			open = append(open, s)
		}
		if !StageWon.CanMoveTo(s) {
			t.Errorf("a won deal cannot move to %s", s)
		}
	}
	if !slices.Equal(open, []Stage{StageLead, StageQualified}) || Stage("negotiation").Valid() || StageLead.CanMoveTo("negotiation") {
		t.Errorf("open stages %v, or an unknown stage passes", open)
	}
}
