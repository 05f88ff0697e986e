package auth

import (
	"context"
	"net/http"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// preferencesForm is the account page's preferences: the time zone every page's dates
// follow, and (for those who plan activities) the morning email.
type preferencesForm struct {
	TimeZone string
	Digest   bool
	// The emails a user may turn off (migration 00076): a customer's receipt of a new
	// ticket; staff's email of a ticket assigned to them and of new unassigned ones.
	NotifyReceipt, NotifyAssigned, NotifyNew bool
	Errors                                   form.Errors
}

// offersDeskNotices reports whether a role gets the desk's assignment and new-ticket
// emails: agents and admins (who work the desk too).
func offersDeskNotices(r Role) bool { return r == RoleAgent || r == RoleAdmin }

// offersDigest reports whether a role plans activities, and so may get their morning
// email: sales reps and admins.
func offersDigest(r Role) bool { return r == RoleSales || r == RoleAdmin }

// savePreferencesSQL stores the preferences only when Postgres knows the zone too (the
// session's statement computes "today" in it, so a zone only Go knows would fail every
// page): no row means an unknown zone. pg_timezone_names is slow (it reads the zone
// files), but this runs only when someone saves their preferences.
const savePreferencesSQL = `
UPDATE "user" SET time_zone = $2, activity_digest = $3, updated_at = now(),
       notify_receipt = coalesce($4, notify_receipt), notify_assigned = coalesce($5, notify_assigned),
       notify_new_tickets = coalesce($6, notify_new_tickets)
WHERE id = $1 AND EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $2)`

// Notify is a user's email choices as saved: nil leaves one as it is (the role is not
// offered it).
type Notify struct{ Receipt, Assigned, New *bool }

// SavePreferences stores the user's time zone (an IANA name known to Go and Postgres),
// morning-email choice and email choices; it reports false, changing nothing, for an
// unknown zone.
func SavePreferences(ctx context.Context, q db.Querier, userID, zone string, digest bool, n Notify) (bool, error) {
	if _, ok := LoadZone(zone); !ok {
		return false, nil
	}
	tag, err := q.Exec(ctx, savePreferencesSQL, userID, zone, digest, n.Receipt, n.Assigned, n.New)
	if err != nil {
		return false, db.Translate(err)
	}
	return tag.RowsAffected() == 1, nil
}

const unknownZone = "Choose a time zone from the list, an IANA name like Europe/Berlin or America/New_York."

// PreferencesUpdate saves the signed-in user's time zone and morning email (POST
// /account/preferences); an unknown zone re-renders the account page with 422.
func (s *Service) PreferencesUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	u := UserFrom(ctx)
	f := preferencesForm{TimeZone: form.Text(r, "time_zone"), Digest: r.PostFormValue("activity_digest") != "", Errors: form.Errors{},
		NotifyReceipt: r.PostFormValue("notify_receipt") != "", NotifyAssigned: r.PostFormValue("notify_assigned") != "",
		NotifyNew: r.PostFormValue("notify_new_tickets") != ""}
	if !offersDigest(u.Role) {
		f.Digest = u.ActivityDigest
	}
	var n Notify
	if u.Role == RoleCustomer {
		n.Receipt = &f.NotifyReceipt
	}
	if offersDeskNotices(u.Role) {
		n.Assigned, n.New = &f.NotifyAssigned, &f.NotifyNew
	}
	if msg := form.Check(f.TimeZone, 64, false); msg != "" {
		f.Errors.Add("time_zone", msg)
	} else if f.TimeZone == "" {
		f.Errors.Add("time_zone", "Choose your time zone.")
	}
	if f.Errors.OK() {
		ok, err := SavePreferences(ctx, s.DB, u.ID, f.TimeZone, f.Digest, n)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		if !ok {
			f.Errors.Add("time_zone", unknownZone)
		}
	}
	if !f.Errors.OK() {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	s.Pages.Flash(w, r, "success", "Your preferences were saved: dates now show in "+f.TimeZone+".")
	httpx.Redirect(w, r, "/account")
}

// commonZones are offered as suggestions beside the time zone field; any other IANA
// name may be typed.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Amsterdam",
	"Europe/Brussels", "Europe/Madrid", "Europe/Rome", "Europe/Zurich", "Europe/Vienna", "Europe/Stockholm",
	"Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Warsaw", "Europe/Prague", "Europe/Athens",
	"Europe/Istanbul", "Europe/Kyiv", "Europe/Moscow", "Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos",
	"Africa/Nairobi", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta",
	"Asia/Singapore", "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Taipei", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Perth", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland",
	"America/St_Johns", "America/Halifax", "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Bogota",
	"America/Lima", "America/Mexico_City", "America/New_York", "America/Toronto", "America/Chicago",
	"America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Vancouver", "America/Anchorage",
	"Pacific/Honolulu",
}
