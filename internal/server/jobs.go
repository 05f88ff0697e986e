package server

import (
	"time"

	"github.com/riverqueue/river"

	"rapport/internal/auth"
	"rapport/internal/crm/activity"
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

// Jobs is every background job of Rapport, top to bottom, as routes.go is for routes:
// its worker, and for a scheduled one its schedule. Each job's code lives beside the
// capability it serves.
func (s *Server) Jobs() jobs.Registry {
	w := river.NewWorkers()
	river.AddWorker(w, &form.PurgeKeysWorker{DB: s.db, Log: s.log})
	river.AddWorker(w, &activity.DigestWorker{DB: s.db, Log: s.log, BaseURL: s.cfg.BaseURL})
	river.AddWorker(w, &activity.ReminderWorker{DB: s.db, Log: s.log, BaseURL: s.cfg.BaseURL})
	river.AddWorker(w, &auth.PurgeSessionsWorker{DB: s.db, Log: s.log})

	return jobs.Registry{
		Workers: w,
		Periodic: []*river.PeriodicJob{
			jobs.Periodic("form_keys_purge", formKeysPurgeEvery, func() river.JobArgs { return form.PurgeKeysArgs{} }),
			jobs.Periodic("activity_digest", activityMailEvery, func() river.JobArgs { return activity.DigestArgs{} }),
			jobs.Periodic("activity_reminder", activityMailEvery, func() river.JobArgs { return activity.ReminderArgs{} }),
			jobs.Periodic("sessions_purge", sessionsPurgeEvery, func() river.JobArgs { return auth.PurgeSessionsArgs{} }),
		},
	}
}
