package hours

import (
	"strings"
	"testing"
	"time"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// officeWeek is Monday to Friday, 09:00-12:00 and 13:00-17:00.
func officeWeek() Week {
	var w Week
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = []Range{{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}
	}
	return w
}

func allWeek() Week {
	var w Week
	for d := range w {
		w[d] = []Range{{0, 24 * 60}}
	}
	return w
}

func TestAddBusiness(t *testing.T) {
	berlin, ny := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	office := &Calendar{Zone: berlin, Week: officeWeek()}
	xmas := &Calendar{Zone: berlin, Week: officeWeek(), Holidays: map[Date]bool{{2026, 12, 25}: true, {2026, 12, 28}: true}}
	always := &Calendar{Zone: berlin, Week: allWeek()}
	alwaysNY := &Calendar{Zone: ny, Week: allWeek()}
	var nights Week
	nights[time.Sunday] = []Range{{0, 6 * 60}}
	nightsNY := &Calendar{Zone: ny, Week: nights}
	var odd Week
	odd[time.Sunday] = []Range{{2 * 60, 2*60 + 30}, {4 * 60, 5 * 60}}
	skipped := &Calendar{Zone: berlin, Week: odd}

	at := func(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, loc)
	}
	cases := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within a range", office, at(berlin, 2026, 12, 1, 9, 30), time.Hour, at(berlin, 2026, 12, 1, 10, 30)},
		{"over lunch", office, at(berlin, 2026, 12, 1, 11, 30), time.Hour, at(berlin, 2026, 12, 1, 13, 30)},
		{"overnight gap", office, at(berlin, 2026, 12, 1, 16, 30), time.Hour, at(berlin, 2026, 12, 2, 9, 30)},
		{"before opening", office, at(berlin, 2026, 12, 1, 7, 0), 30 * time.Minute, at(berlin, 2026, 12, 1, 9, 30)},
		{"at closing exactly", office, at(berlin, 2026, 12, 1, 16, 0), time.Hour, at(berlin, 2026, 12, 1, 17, 0)},
		{"the weekend does not count", office, at(berlin, 2026, 12, 4, 16, 0), 2 * time.Hour, at(berlin, 2026, 12, 7, 10, 0)},
		{"started on a Saturday", office, at(berlin, 2026, 12, 5, 11, 0), 30 * time.Minute, at(berlin, 2026, 12, 7, 9, 30)},
		{"holidays skipped", xmas, at(berlin, 2026, 12, 24, 16, 0), 2 * time.Hour, at(berlin, 2026, 12, 29, 10, 0)},
		{"a week of office hours", office, at(berlin, 2026, 12, 1, 9, 0), 35 * time.Hour, at(berlin, 2026, 12, 7, 17, 0)},
		{"zero adds nothing", office, at(berlin, 2026, 12, 5, 11, 0), 0, at(berlin, 2026, 12, 5, 11, 0)},
		{"nil calendar is 24/7", nil, at(berlin, 2026, 12, 5, 11, 0), 3 * time.Hour, at(berlin, 2026, 12, 5, 14, 0)},
		// Berlin springs forward on 2026-03-29 at 02:00 to 03:00.
		{"Berlin spring forward, 24/7", always, at(berlin, 2026, 3, 28, 23, 0), 3 * time.Hour, at(berlin, 2026, 3, 29, 3, 0)},
		{"Berlin office hours across spring forward", office, at(berlin, 2026, 3, 27, 16, 0), 2 * time.Hour, at(berlin, 2026, 3, 30, 10, 0)},
		{"range in the skipped hour is empty", skipped, at(berlin, 2026, 3, 29, 0, 0), 30 * time.Minute, at(berlin, 2026, 3, 29, 4, 30)},
		{"same range a week later counts", skipped, at(berlin, 2026, 4, 5, 0, 0), 30 * time.Minute, at(berlin, 2026, 4, 5, 2, 30)},
		// Berlin falls back on 2026-10-25 at 03:00 to 02:00: the day has 25 hours.
		{"Berlin fall back, 24/7", always, at(berlin, 2026, 10, 25, 0, 0), 24 * time.Hour, at(berlin, 2026, 10, 25, 23, 0)},
		// New York: 2026-03-08 02:00 → 03:00, 2026-11-01 02:00 → 01:00.
		{"New York spring forward", nightsNY, at(ny, 2026, 3, 8, 0, 0), 5 * time.Hour, at(ny, 2026, 3, 8, 6, 0)},
		{"New York spring forward, past the night", nightsNY, at(ny, 2026, 3, 8, 0, 0), 5*time.Hour + time.Minute, at(ny, 2026, 3, 15, 0, 1)},
		{"New York fall back", nightsNY, at(ny, 2026, 11, 1, 0, 0), 7 * time.Hour, at(ny, 2026, 11, 1, 6, 0)},
		{"New York 24/7 over fall back", alwaysNY, at(ny, 2026, 11, 1, 0, 30), 2 * time.Hour, time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.AddBusiness(tc.start, tc.d)
			if !got.Equal(tc.want) {
				t.Fatalf("AddBusiness(%s, %s) = %s, want %s", tc.start, tc.d, got, tc.want)
			}
			if back := tc.cal.BusinessBetween(tc.start, got); back != tc.d {
				t.Fatalf("BusinessBetween(%s, %s) = %s, want %s", tc.start, got, back, tc.d)
			}
		})
	}
}

func TestBusinessBetween(t *testing.T) {
	berlin, ny := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	office := &Calendar{Zone: berlin, Week: officeWeek()}
	always := &Calendar{Zone: berlin, Week: allWeek()}
	var nights Week
	nights[time.Sunday] = []Range{{0, 6 * 60}}
	nightsNY := &Calendar{Zone: ny, Week: nights}
	day := func(loc *time.Location, y int, m time.Month, d int) (time.Time, time.Time) {
		return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	cases := []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		{"an office day", office, first(day(berlin, 2026, 12, 1)), second(day(berlin, 2026, 12, 1)), 7 * time.Hour},
		{"a Saturday", office, first(day(berlin, 2026, 12, 5)), second(day(berlin, 2026, 12, 5)), 0},
		{"spring forward day has 23 hours", always, first(day(berlin, 2026, 3, 29)), second(day(berlin, 2026, 3, 29)), 23 * time.Hour},
		{"fall back day has 25 hours", always, first(day(berlin, 2026, 10, 25)), second(day(berlin, 2026, 10, 25)), 25 * time.Hour},
		{"New York night shortened", nightsNY, first(day(ny, 2026, 3, 8)), second(day(ny, 2026, 3, 8)), 5 * time.Hour},
		{"New York night lengthened", nightsNY, first(day(ny, 2026, 11, 1)), second(day(ny, 2026, 11, 1)), 7 * time.Hour},
		{"reversed is zero", office, second(day(berlin, 2026, 12, 1)), first(day(berlin, 2026, 12, 1)), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.BusinessBetween(tc.a, tc.b); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	if got := office.Signed(second(day(berlin, 2026, 12, 1)), first(day(berlin, 2026, 12, 1))); got != -7*time.Hour {
		t.Fatalf("Signed reversed = %s", got)
	}
}

func first(a, _ time.Time) time.Time  { return a }
func second(_, b time.Time) time.Time { return b }

func TestParseDay(t *testing.T) {
	ok := []struct {
		in   string
		want string
	}{
		{"", ""},
		{"09:00-17:00", "09:00-17:00"},
		{"13:00-17:30, 9:00-12:00", "09:00-12:00, 13:00-17:30"},
		{"00:00-24:00", "00:00-24:00"},
		{"08:00–10:00; 11:00-12:00", "08:00-10:00, 11:00-12:00"},
	}
	for _, tc := range ok {
		day, err := ParseDay(tc.in)
		if err != nil {
			t.Fatalf("ParseDay(%q): %v", tc.in, err)
		}
		if got := FormatDay(day); got != tc.want {
			t.Fatalf("ParseDay(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	eleven := strings.Repeat("01:00-01:01, ", 11)
	bad := []struct{ in, says string }{
		{"22:00-02:00", "cannot cross midnight"},
		{"17:00-09:00", "end after it starts"},
		{"09:00-09:00", "end after it starts"},
		{"09:00-12:00, 11:00-13:00", "overlaps"},
		{eleven, "at most 10"},
		{"9-5", "not a range"},
		{"25:00-26:00", "not a range"},
		{"<script>-x", "not a range"},
		{"24:30-24:40", "not a range"},
	}
	for _, tc := range bad {
		_, err := ParseDay(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Fatalf("ParseDay(%q) = %v, want an error saying %q", tc.in, err, tc.says)
		}
	}
}

func TestValidate(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	if err := (&Calendar{Zone: berlin}).Validate(); err != ErrNoHours {
		t.Fatalf("empty week: %v", err)
	}
	if err := (&Calendar{Week: officeWeek()}).Validate(); err == nil {
		t.Fatal("no zone accepted")
	}
	w := officeWeek()
	w[time.Monday] = []Range{{20 * 60, 2 * 60}}
	if err := (&Calendar{Zone: berlin, Week: w}).Validate(); err == nil {
		t.Fatal("a range across midnight accepted")
	}
	if err := (&Calendar{Zone: berlin, Week: officeWeek()}).Validate(); err != nil {
		t.Fatal(err)
	}
}

// FuzzRoundTrip: for any start and duration, BusinessBetween(start, AddBusiness(start,
// d)) is d, the due instant is never before start, more time is never due sooner, and
// the due instant is business time or the end of a range.
func FuzzRoundTrip(f *testing.F) {
	f.Add(int64(1774738800), uint32(180), uint8(0), uint8(0)) // 2026-03-28 23:00 Berlin
	f.Add(int64(1792879200), uint32(1500), uint8(1), uint8(1))
	f.Add(int64(1793520000), uint32(7), uint8(2), uint8(2))
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}
	f.Fuzz(func(t *testing.T, unix int64, mins uint32, zi, wi uint8) {
		loc := zone(t, zones[int(zi)%len(zones)])
		weeks := []Week{officeWeek(), allWeek(), func() Week {
			var w Week
			w[time.Sunday] = []Range{{0, 6 * 60}, {2 * 60, 3 * 60}}[:1]
			w[time.Wednesday] = []Range{{1 * 60, 2*60 + 30}, {2*60 + 45, 3 * 60}}
			w[time.Saturday] = []Range{{23 * 60, 24 * 60}}
			return w
		}()}
		cal := &Calendar{Zone: loc, Week: weeks[int(wi)%len(weeks)],
			Holidays: map[Date]bool{{2026, 12, 25}: true, {2027, 1, 1}: true, {2026, 3, 29}: true}}
		// 2020 to 2035, up to 60 days of business time.
		start := time.Unix(1577836800+int64(uint64(unix)%(15*365*86400)), 0)
		d := time.Duration(mins%(60*24*60)) * time.Minute
		due := cal.AddBusiness(start, d)
		if due.Before(start) {
			t.Fatalf("due %s before start %s", due, start)
		}
		if got := cal.BusinessBetween(start, due); got != d {
			t.Fatalf("start %s + %s = %s, back %s", start, d, due, got)
		}
		if d > 0 && !cal.IsOpen(due.Add(-time.Nanosecond)) {
			t.Fatalf("due %s is not just after business time", due)
		}
		if later := cal.AddBusiness(start, d+time.Minute); later.Before(due) {
			t.Fatalf("more time due sooner: %s < %s", later, due)
		}
	})
}
