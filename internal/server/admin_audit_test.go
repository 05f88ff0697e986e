package server_test

import (
	"context"
	"net/http"
	"testing"

	"rapport/internal/audit"
	"rapport/internal/httpx"
)

// record writes an entry as if a request from ip had made it.
func (a *app) record(t testing.TB, ip string, e audit.Entry) {
	t.Helper()
	if err := audit.Record(httpx.WithClientIP(context.Background(), ip), a.db.DB, e); err != nil {
		t.Fatal(err)
	}
}

func TestAuditPageShowsEntries(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	adm, admin := newAdmin(a)
	a.record(t, "192.0.2.9", audit.Entry{ActorID: adm.ID, ActorEmail: adm.Email, Action: audit.PipelineRenamed,
		TargetType: audit.TargetPipeline, TargetID: "0e0e0e0e-0000-4000-8000-000000000001", TargetLabel: "New name",
		Before: map[string]string{"name": "Old name"}, After: map[string]string{"name": "New name"}})
	r := admin.get("/admin/audit")
	wantStatus(t, "audit page", r, http.StatusOK)
	mustContain(t, r, "Pipeline renamed", "192.0.2.9", `<del>Old name</del>`, `<ins>New name</ins>`, `href="/admin/users/`+adm.ID+`"`)
}
