package server

import (
	"time"

	"github.com/riverqueue/river"

	"rapport/internal/form"
	"rapport/internal/jobs"
)

// formKeysPurgeEvery is how often expired one-time form keys are deleted.
const formKeysPurgeEvery = 10 * time.Minute

// Jobs is every background job of Rapport, top to bottom, as routes.go is for routes:
// its worker, and for a scheduled one its schedule. Each job's code lives beside the
// capability it serves.
func (s *Server) Jobs() jobs.Registry {
	w := river.NewWorkers()
	river.AddWorker(w, &form.PurgeKeysWorker{DB: s.db, Log: s.log})

	return jobs.Registry{
		Workers: w,
		Periodic: []*river.PeriodicJob{
			jobs.Periodic("form_keys_purge", jobs.Every(formKeysPurgeEvery), func() river.JobArgs { return form.PurgeKeysArgs{} }),
		},
	}
}
