package server

import (
	"time"

	"github.com/riverqueue/river"

	"rapport/internal/auth"
	"rapport/internal/crm/activity"
	"rapport/internal/desk"
	"rapport/internal/desk/mailbox"
	"rapport/internal/form"
	"rapport/internal/jobs"
)

// How often expired one-time form keys, and sessions past their lifetime, are deleted.
const (
	formKeysPurgeEvery = 10 * time.Minute
	sessionsPurgeEvery = 10 * time.Minute
)

// activityMailEvery is how often the morning emails and the reminders of planned
// activities due are looked for: a reminder goes out within this of its time.
const activityMailEvery = time.Minute

// slaDueRecomputeEvery is how often the deadline recomputations a calendar or policy
// edit left for later (more open tickets than one batch) are looked for.
const slaDueRecomputeEvery = 30 * time.Second

// slaBreachEvery is how often SLA warnings and breaches are looked for: a warning or
// breach email goes out within this of its time.
const slaBreachEvery = time.Minute

// deskAutomationEvery is how often the desk's automation rules run (auto-close, pending
// reminders and solves: rules counted in days).
const deskAutomationEvery = 5 * time.Minute

// mailboxDueEvery is how often the support mailboxes due a poll are looked for (the
// shortest poll interval a mailbox may have is 10 s).
const mailboxDueEvery = 5 * time.Second

// Jobs is every background job of Rapport, top to bottom, as routes.go is for routes:
// its worker, and for a scheduled one its schedule. Each job's code lives beside the
// capability it serves.
func (s *Server) Jobs() jobs.Registry {
	w := river.NewWorkers()
	river.AddWorker(w, &form.PurgeKeysWorker{DB: s.db, Log: s.log})
	river.AddWorker(w, &activity.DigestWorker{DB: s.db, Log: s.log, BaseURL: s.cfg.BaseURL})
	river.AddWorker(w, &activity.ReminderWorker{DB: s.db, Log: s.log, BaseURL: s.cfg.BaseURL})
	river.AddWorker(w, &mailbox.PollDueWorker{DB: s.db, Log: s.log, Env: s.mailbox.SyncEnv})
	river.AddWorker(w, &mailbox.PollWorker{Poller: s.mailbox.Poller})
	river.AddWorker(w, &auth.PurgeSessionsWorker{DB: s.db, Log: s.log})
	river.AddWorker(w, &desk.RecomputeDueWorker{DB: s.db, Log: s.log})
	deskMail := s.desk.Mail
	deskMail.Base = s.desk.BaseURL
	river.AddWorker(w, &desk.BreachMailWorker{DB: s.db, Log: s.log, Out: deskMail})
	river.AddWorker(w, &desk.AutomationWorker{DB: s.db, Log: s.log, Out: deskMail})

	return jobs.Registry{
		Workers: w,
		Periodic: []*river.PeriodicJob{
			jobs.Periodic("form_keys_purge", formKeysPurgeEvery, func() river.JobArgs { return form.PurgeKeysArgs{} }),
			jobs.Periodic("activity_digest", activityMailEvery, func() river.JobArgs { return activity.DigestArgs{} }),
			jobs.Periodic("activity_reminder", activityMailEvery, func() river.JobArgs { return activity.ReminderArgs{} }),
			jobs.Periodic("mailbox_poll_due", mailboxDueEvery, func() river.JobArgs { return mailbox.PollDueArgs{} }),
			jobs.Periodic("sessions_purge", sessionsPurgeEvery, func() river.JobArgs { return auth.PurgeSessionsArgs{} }),
			jobs.Periodic("sla_due_recompute", slaDueRecomputeEvery, func() river.JobArgs { return desk.RecomputeDueArgs{} }),
			jobs.Periodic("sla_breach_mail", slaBreachEvery, func() river.JobArgs { return desk.BreachMailArgs{} }),
			jobs.Periodic("desk_automation", deskAutomationEvery, func() river.JobArgs { return desk.AutomationArgs{} }),
		},
	}
}
