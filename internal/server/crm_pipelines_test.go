package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCRMAdminPipelines(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	list := w.adminB.get("/admin/pipelines")
	wantStatus(t, "list", list, http.StatusOK)
	mustContain(t, list, ">Inbound</a>", `<td class="num">1</td>`)

	wantRedirect(t, "create", w.adminB.post("/admin/pipelines", url.Values{"name": {" Enterprise "}}), "/admin/pipelines")
	list = w.adminB.get("/admin/pipelines")
	if got := flash(list); got != "Pipeline Enterprise created." {
		t.Errorf("flash %q", got)
	}
	mustContain(t, list, ">Enterprise</a>")
	mustContain(t, w.repB.get("/crm"), `<option value="`+w.pipe+`" selected>Inbound</option>`, ">Enterprise</option>")

	for _, tc := range []struct{ name, msg string }{
		{"", "Name is required."},
		{"Inbound", "A pipeline is already called Inbound."},
		{strings.Repeat("p", 101), "Too long: at most 100 characters (this has 101)."},
		{"In\x00bound", "Contains a NUL character, which is not allowed."},
	} {
		r := w.adminB.post("/admin/pipelines", url.Values{"name": {tc.name}})
		wantStatus(t, tc.msg, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, "name"); got != tc.msg {
			t.Errorf("create %q: %q", tc.name, got)
		}
		if got, _ := inputValue(r, "name"); got != tc.name {
			t.Errorf("name kept as %q", got)
		}
	}

	path := "/admin/pipelines/" + w.pipe
	form := w.adminB.get(path)
	if got, _ := inputValue(form, "name"); got != "Inbound" {
		t.Errorf("rename form %q", got)
	}
	r := w.adminB.post(path, url.Values{"name": {"Enterprise"}})
	wantStatus(t, "rename onto a taken name", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "name"); got != "A pipeline is already called Enterprise." {
		t.Errorf("rename %q", got)
	}
	wantRedirect(t, "rename", w.adminB.post(path, url.Values{"name": {"Inbound EMEA"}}), "/admin/pipelines")
	mustContain(t, w.repB.get("/crm"), "<h1>Inbound EMEA pipeline</h1>")
	wantStatus(t, "unknown", w.adminB.post("/admin/pipelines/00000000-0000-0000-0000-000000000000", url.Values{"name": {"X"}}), http.StatusNotFound)
	if n := w.count(t, `SELECT count(*) FROM pipelines`); n != 2 {
		t.Errorf("%d pipelines", n)
	}
}
