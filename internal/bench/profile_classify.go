package bench

import (
	"regexp"
	"strings"
)

// work is a kind of work a server sample can be in; the first rule matching a frame,
// walking from the leaf to the root, names it.
type work struct {
	name string
	re   *regexp.Regexp
}

var works = []work{
	{"argon2id password hashing", regexp.MustCompile(`^golang\.org/x/crypto/argon2\.`)},
	{"garbage collection", regexp.MustCompile(`^runtime\.(gcBgMarkWorker|gcDrain|gcAssistAlloc|scanobject|scanblock|markroot|greyobject|bgsweep|sweepone|bgscavenge|gcMark|gcStart|wbBuf|tryDeferToSpanScan|scanSpan|gcmark)`)},
	{"memory allocation", regexp.MustCompile(`^runtime\.(mallocgc|newobject|makeslice|growslice|rawstring|rawbyteslice|makemap|newarray|concatstring|slicebytetostring|stringtoslicebyte)`)},
	{"HTML rendering (templ)", regexp.MustCompile(`^(github\.com/a-h/templ|html\.|html/template\.)|GeneratedTemplate|_templ`)},
	{"pgx (protocol, row scanning)", regexp.MustCompile(`^github\.com/jackc/(pgx|pgio|puddle)`)},
	{"JSON (encoding/json: statements' json results)", regexp.MustCompile(`^encoding/json\.`)},
	{"sessions (the lookup and its checks)", regexp.MustCompile(`^rapport/internal/auth\.(findSession|hashSessionToken|\(\*Service\)\.session)`)},
	{"net/http", regexp.MustCompile(`^(net/http\.|net/textproto\.|net/url\.|bufio\.|mime)`)},
	{"routing (chi)", regexp.MustCompile(`^github\.com/go-chi/`)},
	{"Go scheduler, timers", regexp.MustCompile(`^runtime\.(schedule|findRunnable|park_m|mcall|gopark|goready|ready|netpoll|stealWork|notesleep|futexsleep|runqgrab|stopm|startm|wakep|checkTimers|runtimer|mPark|goschedIfBusy|usleep|osyield|sysmon)`)},
	{"Rapport's own code", regexp.MustCompile(`^rapport/`)},
}

// handlerFrame is a page's handler: a method of a domain package's Service.
var handlerFrame = regexp.MustCompile(`^rapport/internal/(crm|desk|auth)\.\(\*Service\)\.([A-Za-z]+)$`)

// Breakdown is the server's samples sorted two ways: by the request they served (the
// handler on the stack, or the part of a request outside any handler), and by the kind
// of work the processor was doing (works, or the kernel); and, for each request, its
// own kinds of work.
type Breakdown struct {
	ByRequest, ByWork []Share
	WorkOf            map[string][]Share // request -> its kinds of work, % of its samples
}

func classify(stacks [][]frame) Breakdown {
	if len(stacks) == 0 {
		return Breakdown{}
	}
	req, kind := map[string]float64{}, map[string]float64{}
	cross := map[string]map[string]float64{}
	unit := 100 / float64(len(stacks))
	for _, st := range stacks {
		r, w := requestOf(st), workOf(st)
		req[r] += unit
		kind[w] += unit
		if cross[r] == nil {
			cross[r] = map[string]float64{}
		}
		cross[r][w]++
	}
	b := Breakdown{ByRequest: sorted(req), ByWork: sorted(kind), WorkOf: map[string][]Share{}}
	for r, works := range cross {
		total := 0.0
		for _, n := range works {
			total += n
		}
		for w := range works {
			works[w] *= 100 / total
		}
		b.WorkOf[r] = sorted(works)
	}
	return b
}

// requestOf names the outermost handler on the stack: the route's, not a helper it calls.
func requestOf(st []frame) string {
	inRequest, gc := false, false
	for i := len(st) - 1; i >= 0; i-- {
		f := st[i]
		if m := handlerFrame.FindStringSubmatch(f.sym); m != nil {
			name := "handler " + m[1] + "." + m[2]
			if m[2][0] >= 'a' && m[2][0] <= 'z' {
				name += " (under a handler the compiler inlined)"
			}
			return name
		}
		switch {
		case strings.HasPrefix(f.sym, "golang.org/x/crypto/argon2."):
			return "sign-in password hashing (argon2id goroutines)"
		case f.sym == "net/http.(*conn).serve":
			inRequest = true
		case strings.HasPrefix(f.sym, "runtime.gcBgMarkWorker"), strings.HasPrefix(f.sym, "runtime.bgsweep"),
			strings.HasPrefix(f.sym, "runtime.bgscavenge"):
			gc = true
		}
	}
	switch {
	case inRequest:
		return "request outside a handler (HTTP, middleware, session load and save, logging)"
	case gc:
		return "background garbage collection"
	}
	return "other (scheduler, timers, mail worker, pool upkeep)"
}

// workOf names what the processor was doing in a sample: the kernel, or the innermost
// frame a kind of work matches. Logging goes by the outermost: whatever slog calls
// (encoding/json, allocation, a write) is logging.
func workOf(st []frame) string {
	if len(st) > 0 && strings.Contains(st[0].dso, "kernel") {
		return "kernel (system calls, page faults, scheduling)"
	}
	for _, f := range st {
		if strings.HasPrefix(f.sym, "log/slog.") {
			return "request logging (slog)"
		}
	}
	for _, f := range st {
		for _, w := range works {
			if w.re.MatchString(f.sym) {
				return w.name
			}
		}
	}
	return "other runtime and library code"
}
