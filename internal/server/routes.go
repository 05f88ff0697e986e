package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"rapport/internal/auth"
	"rapport/web"
)

// Handler is every route of Rapport, top to bottom. Each protected route states who may
// use it here, and the handlers and store queries check again where data is scoped.
func (s *Server) Handler() http.Handler {
	// Cross-origin state changes are refused (Sec-Fetch-Site / Origin checks). It runs
	// inside requestID and securityHeaders so the 403 page has its id and headers too.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pages.ErrorWith(w, r, http.StatusForbidden, "Request refused",
			"This form was sent from another site, so it was not accepted. Open Rapport directly and try again.")
	}))

	// Every route's work is bounded by REQUEST_TIMEOUT (bounded), except the live
	// queue's stream below: which routes are exempt is decided here, route by route,
	// never by what a request says it accepts.
	bounded := deadline(s.cfg.RequestTimeout)
	r := chi.NewRouter()
	r.Use(requestID, clientIP(s.cfg.TrustProxy), observe(s.log, s.metrics), recoverer(s.pages), securityHeaders(s.cfg.Secure()), cop.Handler)

	// Operations: no session. /metrics is not here: it has a listener of its own
	// (METRICS_ADDR, MetricsHandler), off the public port.
	r.With(bounded).Get("/healthz", s.healthz)
	r.With(bounded).Get("/readyz", s.readyz)
	r.With(bounded).Handle("/static/*", web.StaticHandler())
	// A rep's calendar feed (internal/crm/activity): no session, the secret in the path
	// is the access, and any other is a 404.
	r.With(bounded).Get("/calendar/{token}", s.activity.CalendarFeed)

	// Pages: sessions are loaded and validated on every request that carries one.
	withSession := func(h http.Handler) http.Handler { return bounded(s.auth.Session(noStore(h))) }
	r.NotFound(withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pages.Error(w, r, http.StatusNotFound)
	})).ServeHTTP)
	r.MethodNotAllowed(withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pages.Error(w, r, http.StatusMethodNotAllowed)
	})).ServeHTTP)

	// The live queue (internal/desk), for agents and admins: a server-sent event stream
	// that outlives the request deadline on purpose. It bounds itself (a lifetime, a
	// heartbeat, and an end once its user is deactivated or changes role), and its
	// session lookup has the session store's own short deadline.
	r.Group(func(r chi.Router) {
		r.Use(s.auth.Session, noStore, s.auth.RequireUser, s.auth.RequireEnrolment, s.auth.RequireRole(auth.RoleAgent))
		r.Get("/desk/events", s.desk.EventsStream)
	})

	// The account page: its session lookup also reads the user's active sessions, in
	// the same one statement (auth.SessionListing).
	r.Group(func(r chi.Router) {
		r.Use(bounded, s.auth.SessionListing, noStore, s.auth.RequireUser, s.auth.RequireEnrolment)
		r.Get("/account", s.auth.AccountShow)
	})

	r.Group(func(r chi.Router) {
		r.Use(bounded, s.auth.Session, noStore, s.auth.RequireSetUp)

		r.Get("/", s.root)
		// First run: the company and the first admin, while no admin exists (then 404).
		r.Get("/setup", s.auth.SetupShow)
		r.Post("/setup", s.auth.SetupSubmit)
		r.Get("/signin", s.auth.SignInShow)
		r.Post("/signin", s.auth.SignInSubmit)
		// The second step of a sign-in with two-step sign-in on (anonymous: the session
		// holds the pending sign-in).
		r.Get("/signin/two-step", s.auth.TwoStepSignInShow)
		r.Post("/signin/two-step", s.auth.TwoStepSignInSubmit)
		r.Post("/signout", s.auth.SignOutSubmit)
		r.Get("/signup", s.auth.SignUpShow)
		r.Post("/signup", s.auth.SignUpSubmit)
		r.Get("/forgot-password", s.auth.PasswordForgotShow)
		r.Post("/forgot-password", s.auth.PasswordForgotSubmit)
		r.Get("/reset-password", s.auth.PasswordResetShow)
		r.Post("/reset-password", s.auth.PasswordResetSubmit)
		r.Get("/verify-email", s.auth.EmailVerifyShow)
		r.Post("/verify-email", s.auth.EmailVerifyResend)
		r.Post("/verify-email/confirm", s.auth.EmailVerifyConfirm)
		// A solve's satisfaction links (internal/desk/csat*.go): no sign-in, the signed
		// link is the proof; the GET records nothing.
		r.Get("/csat/{id}", s.desk.CSATShow)
		r.Post("/csat/{id}", s.desk.CSATSubmit)

		r.Group(func(r chi.Router) {
			// RequireEnrolment: a staff user whose role must use two-step sign-in, and who
			// has not set it up, reaches only its set-up (the first three routes of the
			// two-step group below) until they have.
			r.Use(s.auth.RequireUser, s.auth.RequireEnrolment)
			r.Post("/account/preferences", s.auth.PreferencesUpdate)
			r.Get("/account/password", s.auth.PasswordChangeShow)
			r.Post("/account/password", s.auth.PasswordChangeSubmit)
			// Active sessions, listed on /account (below): sign one out, or all but this one.
			r.Post("/account/sessions/{id}/signout", s.auth.SessionSignOut)
			r.Post("/account/sessions/signout-others", s.auth.OtherSessionsSignOut)

			// Two-step sign-in (internal/auth), for staff: customers get 403.
			r.Group(func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleSales, auth.RoleAgent))
				r.Get("/account/two-step", s.auth.TwoStepShow)
				r.Post("/account/two-step/setup", s.auth.TwoStepSetup)
				r.Post("/account/two-step/confirm", s.auth.TwoStepConfirm)
				r.Post("/account/two-step/recovery-codes", s.auth.RecoveryCodesCreate)
				r.Post("/account/two-step/disable", s.auth.TwoStepDisable)
			})

			// Customer portal (internal/desk). Customers (and admins) see only their own
			// tickets: the store scopes every query by requester, and never reads a note.
			r.Group(func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleCustomer))
				r.Get("/support", s.desk.SupportTicketList)
				r.Get("/support/new", s.desk.SupportTicketNew)
				r.Post("/support/tickets", s.desk.SupportTicketCreate)
				r.Get("/support/tickets/{id}", s.desk.SupportTicketShow)
				r.Post("/support/tickets/{id}/reply", s.desk.SupportReplyCreate)
				r.Post("/support/tickets/{id}/solve", s.desk.SupportTicketSolve)
				r.Get("/support/attachments/{id}", s.desk.SupportAttachmentDownload)
			})

			// Sales CRM (internal/crm). Sales reps and admins; agents may only read a
			// contact or a company page (they follow links from tickets). Every rep reads
			// every record; the store scopes changes to the owner (or an admin).
			r.Group(func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleSales))
				r.Get("/crm", s.crm.BoardShow)
				r.Get("/crm/column", s.crm.BoardColumnShow)
				r.Get("/crm/overview", s.crm.OverviewShow)
				r.Get("/crm/forecast", s.crm.ForecastShow)
				r.Get("/crm/forecast.csv", s.crm.ForecastShow)

				r.Get("/crm/companies", s.crm.CompanyList)
				r.Get("/crm/companies.csv", s.crm.CompanyList)
				r.Get("/crm/companies/new", s.crm.CompanyNew)
				r.Post("/crm/companies", s.crm.CompanyCreate)
				r.Get("/crm/companies/{id}/edit", s.crm.CompanyEdit)
				r.Post("/crm/companies/{id}", s.crm.CompanyUpdate)
				r.Get("/crm/companies/{id}/merge", s.crm.CompanyMergeShow)
				r.Post("/crm/companies/{id}/merge", s.crm.CompanyMerge)

				r.Get("/crm/contacts", s.crm.ContactList)
				r.Get("/crm/contacts.csv", s.crm.ContactList)
				r.Get("/crm/contacts/new", s.crm.ContactNew)
				r.Post("/crm/contacts", s.crm.ContactCreate)
				r.Get("/crm/contacts/{id}/edit", s.crm.ContactEdit)
				r.Post("/crm/contacts/{id}", s.crm.ContactUpdate)
				r.Get("/crm/contacts/{id}/merge", s.crm.ContactMergeShow)
				r.Post("/crm/contacts/{id}/merge", s.crm.ContactMerge)

				r.Get("/crm/deals", s.crm.DealList)
				r.Get("/crm/deals.csv", s.crm.DealList)
				r.Get("/crm/deals/new", s.crm.DealNew)
				r.Post("/crm/deals", s.crm.DealCreate)
				r.Get("/crm/deals/{id}", s.crm.DealShow)
				r.Get("/crm/deals/{id}/edit", s.crm.DealEdit)
				r.Post("/crm/deals/{id}", s.crm.DealUpdate)
				r.Post("/crm/deals/{id}/stage", s.crm.DealMove)
				r.Post("/crm/deals/{id}/won", s.crm.DealWin)
				r.Get("/crm/deals/{id}/lost", s.crm.DealLostNew)
				r.Post("/crm/deals/{id}/lost", s.crm.DealLose)
				r.Post("/crm/deals/{id}/reopen", s.crm.DealReopen)
				r.Post("/crm/deals/{id}/activities", s.crm.ActivityCreate)

				// Planned activities (internal/crm/activity): planned on a deal by its owner
				// (or an admin); changed by the assignee, the deal's owner or an admin. Every
				// store checks who in its SQL.
				r.Get("/crm/activities", s.activity.ActivityList)
				r.Get("/crm/activities/new", s.activity.ActivityNew)
				r.Post("/crm/activities", s.activity.ActivityCreate)
				r.Get("/crm/activities/calendar", s.activity.CalendarShow)
				r.Post("/crm/activities/calendar", s.activity.CalendarRotate)
				r.Post("/crm/activities/calendar/delete", s.activity.CalendarDelete)
				r.Get("/crm/activities/{id}/edit", s.activity.ActivityEdit)
				r.Post("/crm/activities/{id}", s.activity.ActivityUpdate)
				r.Post("/crm/activities/{id}/done", s.activity.ActivityDone)
				r.Post("/crm/activities/{id}/undo", s.activity.ActivityUndo)
				r.Post("/crm/activities/{id}/delete", s.activity.ActivityDelete)

				r.Get("/crm/duplicates", s.crm.DuplicateList)
				r.Get("/search/pick", s.crm.SearchPick)
				r.Get("/crm/import", s.crm.ImportNew)
				r.Post("/crm/import", s.crm.ImportCreate)
				r.Get("/crm/import/{id}", s.crm.ImportShow)
				r.Post("/crm/import/{id}", s.crm.ImportConfirm)
			})
			r.With(s.auth.RequireRole(auth.RoleSales, auth.RoleAgent)).Get("/crm/companies/{id}", s.crm.CompanyShow)
			r.With(s.auth.RequireRole(auth.RoleSales, auth.RoleAgent)).Get("/crm/contacts/{id}", s.crm.ContactShow)
			// Global search (internal/crm): staff only. Agents find the companies and
			// contacts they may open, never deals; tickets come from the desk's hook.
			r.With(s.auth.RequireRole(auth.RoleSales, auth.RoleAgent)).Get("/search", s.crm.SearchShow)

			// Support desk (internal/desk). Agents and admins. Its live queue,
			// /desk/events, is above: outside the request deadline.
			r.Group(func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleAgent))
				r.Get("/desk", s.desk.QueueShow)
				r.Get("/desk/reports", s.desk.ReportShow)
				r.Get("/desk/reports/satisfaction", s.desk.CSATReport)
				r.Get("/desk/tickets/{id}", s.desk.TicketShow)
				r.Post("/desk/tickets/{id}", s.desk.TicketUpdate)
				r.Post("/desk/tickets/{id}/take", s.desk.TicketTake)
				r.Post("/desk/tickets/{id}/tags", s.desk.TicketTagAdd)
				r.Post("/desk/tickets/{id}/tags/remove", s.desk.TicketTagRemove)
				r.Get("/desk/search", s.desk.TicketSearch)
				r.Get("/desk/tags", s.desk.TagList)
				r.Get("/desk/tickets.csv", s.desk.TicketExport)
				r.Post("/desk/bulk", s.desk.TicketBulkUpdate)
				// Saved views of the queue, and the agent's own away flag.
				r.Post("/desk/views", s.desk.ViewCreate)
				r.Get("/desk/views/{id}", s.desk.ViewEdit)
				r.Post("/desk/views/{id}", s.desk.ViewUpdate)
				r.Post("/desk/views/{id}/delete", s.desk.ViewDelete)
				r.Post("/desk/away", s.desk.AwayUpdate)
				r.Get("/desk/attachments/{id}", s.desk.AttachmentDownload)
				// The originals of a ticket's email (internal/desk/mailbox).
				r.Get("/desk/tickets/{id}/mail", s.mailbox.TicketMail)
				r.Get("/desk/tickets/{id}/mail/{mid}", s.mailbox.TicketMailRaw)
				// Macros, merge and split (internal/desk/macro_*.go, ticket_merge.go,
				// message_split.go).
				r.Get("/desk/macros", s.desk.MacroList)
				r.Get("/desk/macros/new", s.desk.MacroNew)
				r.Post("/desk/macros", s.desk.MacroCreate)
				r.Get("/desk/macros/{id}", s.desk.MacroEdit)
				r.Post("/desk/macros/{id}", s.desk.MacroUpdate)
				r.Post("/desk/macros/{id}/delete", s.desk.MacroDelete)
				r.Post("/desk/tickets/{id}/merge", s.desk.TicketMerge)
				r.Post("/desk/tickets/{id}/messages/{mid}/split", s.desk.MessageSplit)
			})

			// Administration.
			r.Route("/admin", func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleAdmin))
				r.Get("/", s.adminHome)
				r.Post("/test-email", s.testMailSend)
				r.Get("/users", s.auth.UserList)
				r.Get("/users/new", s.auth.StaffNew)
				r.Post("/users", s.auth.StaffCreate)
				r.Get("/users/{id}", s.auth.UserEdit)
				r.Post("/users/{id}", s.auth.UserUpdate)
				r.Post("/users/{id}/deactivate", s.auth.UserDeactivate)
				r.Post("/users/{id}/reactivate", s.auth.UserReactivate)
				r.Post("/users/{id}/two-step/reset", s.auth.TwoStepReset)
				r.Get("/security", s.auth.SecurityShow)
				r.Post("/security", s.auth.SecurityUpdate)
				// Admin: CRM pipelines (internal/crm).
				r.Get("/pipelines", s.crm.PipelineList)
				r.Post("/pipelines", s.crm.PipelineCreate)
				r.Get("/pipelines/{id}", s.crm.PipelineEdit)
				r.Post("/pipelines/{id}", s.crm.PipelineUpdate)
				r.Post("/pipelines/{id}/stages", s.crm.StageCreate)
				r.Get("/pipelines/{id}/stages/{stage}", s.crm.StageEdit)
				r.Post("/pipelines/{id}/stages/{stage}", s.crm.StageUpdate)
				r.Post("/pipelines/{id}/stages/{stage}/reorder", s.crm.StageReorder)
				r.Get("/pipelines/{id}/stages/{stage}/delete", s.crm.StageRemovalShow)
				r.Post("/pipelines/{id}/stages/{stage}/delete", s.crm.StageDelete)
				r.Get("/lost-reasons", s.crm.LostReasonList)
				r.Post("/lost-reasons", s.crm.LostReasonCreate)
				r.Post("/lost-reasons/{id}/delete", s.crm.LostReasonDelete)
				// Admin: custom fields on companies, contacts and deals (internal/crm).
				r.Get("/fields", s.crm.FieldList)
				r.Post("/fields", s.crm.FieldCreate)
				r.Get("/fields/{id}", s.crm.FieldEdit)
				r.Post("/fields/{id}", s.crm.FieldUpdate)
				r.Get("/fields/{id}/delete", s.crm.FieldRemovalShow)
				r.Post("/fields/{id}/delete", s.crm.FieldDelete)
				// Admin: the kinds of planned activity (internal/crm/activity).
				r.Get("/activity-types", s.activity.TypeList)
				r.Post("/activity-types", s.activity.TypeCreate)
				r.Post("/activity-types/{key}", s.activity.TypeUpdate)
				// Admin: agents and SLA policies (internal/desk).
				r.Get("/agents", s.desk.AgentList)
				r.Post("/agents", s.desk.AgentCreate)
				r.Post("/agents/teams", s.desk.TeamUpdate)
				r.Post("/agents/{id}", s.desk.AgentUpdate)
				r.Get("/sla", s.desk.PolicyList)
				r.Get("/sla/new", s.desk.PolicyNew)
				r.Post("/sla", s.desk.PolicyCreate)
				r.Get("/sla/{id}", s.desk.PolicyEdit)
				// Admin: ticket history from another helpdesk's export (internal/desk/ticketimport).
				r.Get("/import-tickets", s.tickets.ImportNew)
				r.Post("/import-tickets", s.tickets.ImportCreate)
				r.Post("/sla/{id}", s.desk.PolicyUpdate)
				// Admin: business calendars of SLA policies (internal/desk).
				r.Get("/calendars", s.desk.CalendarList)
				r.Get("/calendars/new", s.desk.CalendarNew)
				r.Post("/calendars", s.desk.CalendarCreate)
				r.Get("/calendars/{id}", s.desk.CalendarEdit)
				r.Post("/calendars/{id}", s.desk.CalendarUpdate)
				r.Get("/automation", s.desk.AutomationShow)
				r.Post("/automation", s.desk.AutomationUpdate)
				// Admin: ticket tags, renamed and merged (internal/desk).
				r.Get("/tags", s.desk.TagAdminList)
				r.Post("/tags/{id}", s.desk.TagRename)
				r.Post("/tags/{id}/merge", s.desk.TagMerge)
				// Admin: support mailboxes and what became of their mail (internal/desk/mailbox).
				r.Get("/mailboxes", s.mailbox.MailboxList)
				r.Get("/mailboxes/new", s.mailbox.MailboxNew)
				r.Post("/mailboxes", s.mailbox.MailboxCreate)
				r.Get("/mailboxes/{id}", s.mailbox.MailboxShow)
				r.Post("/mailboxes/{id}", s.mailbox.MailboxUpdate)
				r.Get("/mailboxes/{id}/messages/{mid}", s.mailbox.MessageShow)
				r.Get("/mailboxes/{id}/messages/{mid}/raw", s.mailbox.MessageRaw)
				// Admin: the audit log (internal/audit), read-only.
				r.Get("/audit", s.audit.LogList)
			})
		})
	})

	return r
}
