package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// stageSelect is the HTML of the form's stage_id select, "" when it has none.
func stageSelect(r response) string {
	return between(r.body, `name="stage_id"`, "</select>")
}

// Moving a deal to another pipeline from its edit form never remaps its stage behind the
// rep's back: the form asks for the stage it takes there (422 until one is chosen, the
// new pipeline's open stages offered, nothing saved, the input kept), refuses another
// pipeline's stage or a closed one, and the chosen one is in the deal's stage history.
// (Seen failing before: the trigger gave the deal the new pipeline's first stage of its
// kind, silently.)
func TestCRMDealPipelineChangeAsksForTheStage(t *testing.T) {
	t.Parallel()
	w := newCRM(t) // w.deal: a lead of Inbound
	ent := w.pipeline("Enterprise")
	if _, err := w.db.DB.Exec(context.Background(), `INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability)
		VALUES ($1, 'Discovery', 'qualified', 5, 30)`, ent); err != nil {
		t.Fatal(err)
	}
	discovery, entWon, inboundQualified := w.stageID(ent, "Discovery"), w.stageID(ent, "Won"), w.stageID(w.pipe, "Qualified")
	path := "/crm/deals/" + w.deal
	if edit := w.repB.get(path + "/edit"); edit.status != http.StatusOK || stageSelect(edit) != "" {
		t.Fatalf("the edit form (%d) offers a stage before the pipeline changes", edit.status)
	}
	edit := func(pipeline, stage string) response {
		f := dealForm(w, "Acme starter, enterprise", "jane@acme.com", "12,500", "")
		f.Del("stage")
		f.Set("pipeline_id", pipeline)
		if stage != "" {
			f.Set("stage_id", stage)
		}
		return w.repB.post(path, f)
	}
	unchanged := func(what string) {
		t.Helper()
		if n := w.count(t, `SELECT count(*) FROM deals WHERE id = $1 AND pipeline_id = $2 AND title = 'Acme starter' AND stage = 'lead'`,
			w.deal, w.pipe); n != 1 {
			t.Fatalf("%s: the deal changed", what)
		}
	}
	r := edit(ent, "")
	wantStatus(t, "a new pipeline without a stage", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "stage_id"); got != "The deal moves to the Enterprise pipeline: choose its stage there." {
		t.Errorf("stage error %q", got)
	}
	sel := stageSelect(r)
	for _, want := range []string{`<option value="" selected>Choose a stage</option>`, ">Lead<", ">Qualified<", ">Discovery<"} {
		if !strings.Contains(sel, want) {
			t.Errorf("the stage select lacks %q:\n%s", want, sel)
		}
	}
	if strings.Contains(sel, ">Won<") || strings.Contains(sel, ">Lost<") || strings.Contains(sel, inboundQualified) {
		t.Errorf("the stage select offers a closed stage or another pipeline's:\n%s", sel)
	}
	if v, _ := inputValue(r, "title"); v != "Acme starter, enterprise" {
		t.Errorf("the typed title is not kept: %q", v)
	}
	unchanged("no stage chosen")
	for stage, msg := range map[string]string{
		inboundQualified: "Choose one of the Enterprise pipeline's stages.",
		entWon:           "Choose an open stage: mark the deal won or lost from its page.",
		"not-a-stage":    "Choose one of the Enterprise pipeline's stages.",
	} {
		r := edit(ent, stage)
		if r.status != http.StatusUnprocessableEntity || fieldError(r, "stage_id") != msg {
			t.Errorf("stage %s: %d %q, want 422 %q", stage, r.status, fieldError(r, "stage_id"), msg)
		}
		unchanged(stage)
	}

	if r := edit(ent, discovery); r.status != http.StatusSeeOther {
		t.Fatalf("the move with its stage: %d\n%s", r.status, r.body)
	}
	if n := w.count(t, `SELECT count(*) FROM deals WHERE id = $1 AND pipeline_id = $2 AND stage_id = $3 AND stage = 'qualified'
		AND stage_changed_at > now() - interval '1 minute'`, w.deal, ent, discovery); n != 1 {
		t.Fatalf("the deal is not in Discovery of Enterprise")
	}
	if n := w.count(t, `SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1 AND from_stage = 'lead' AND to_stage = 'qualified'
		AND from_name = 'Lead' AND to_name = 'Discovery' AND to_stage_id = $2 AND actor_id = $3`, w.deal, discovery, w.rep.ID); n != 1 {
		t.Errorf("%d history rows of the move, want 1", n)
	}
	if page := w.repB.get(path); !strings.Contains(page.body, "moved it from Lead to Discovery") {
		t.Errorf("the timeline does not show the move")
	}
	// The same pipeline again: a stage_id on the form changes nothing (moves are the
	// stage control's).
	if r := edit(ent, w.stageID(ent, "Lead")); r.status != http.StatusSeeOther {
		t.Fatalf("a save in the same pipeline: %d", r.status)
	}
	if w.stageOf(w.deal) != "qualified" || w.count(t, `SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1`, w.deal) != 1 {
		t.Errorf("a save in the same pipeline moved the deal")
	}
}
