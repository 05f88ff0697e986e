package bench

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Share is a name (a process, a function, a kind of work) and its percentage of some
// CPU samples.
type Share struct {
	Name    string
	Percent float64
}

// Profile is where the CPU went while perf sampled every processor: by process, and
// inside the server and Postgres.
type Profile struct {
	Seconds float64
	ByParty []Share // of every sample on the machine, idle included
	// Of the server's samples: by the request's handler, by the kind of work, and by
	// the function the processor was in.
	Server         Breakdown
	ServerSelf     []Share
	PostgresSelf   []Share // of this run's Postgres processes' samples
	PostgresKernel float64 // the share of Postgres' samples spent in the kernel
	Problem        string  // why there is no profile
}

// Parties are the processes of this run, to tell them from anything else the machine
// runs meanwhile (other test binaries have a Postgres of their own).
type Parties struct {
	Server, Pooler, LoadGen int
	Postgres                []int // the postmaster and its backends
}

// PerfBin finds perf, or says it is missing.
func PerfBin() (string, error) { return findBin("perf", "/usr/bin/perf") }

// StartPerf samples every processor (cpu-clock, with call chains: Go keeps frame
// pointers) for d into file. Wait on the returned command.
func StartPerf(ctx context.Context, bin, file string, d time.Duration) (*exec.Cmd, error) {
	secs := strconv.Itoa(max(1, int(d/time.Second)))
	cmd := exec.CommandContext(ctx, bin, "record", "-q", "-e", "cpu-clock", "-F", "499", "-a", "-g",
		"-o", file, "--", "sleep", secs)
	return cmd, cmd.Start()
}

// ReadProfile summarises perf's file for the run's processes.
func ReadProfile(ctx context.Context, bin, file string, who Parties) Profile {
	var p Profile
	byPID, err := perfShares(ctx, bin, "report", "-i", file, "--stdio", "-q", "-g", "none", "--no-children", "--sort", "pid")
	if err != nil {
		p.Problem = err.Error()
		return p
	}
	p.ByParty = byParty(byPID, who)
	server := strconv.Itoa(who.Server)
	p.ServerSelf, _ = selfShares(ctx, bin, file, server)
	if len(who.Postgres) > 0 {
		var pids []string
		for _, pid := range who.Postgres {
			pids = append(pids, strconv.Itoa(pid))
		}
		p.PostgresSelf, p.PostgresKernel = selfShares(ctx, bin, file, strings.Join(pids, ","))
	}
	stacks, err := perfStacks(ctx, bin, file, server)
	if err == nil {
		p.Server = classify(stacks)
	}
	return p
}

var pidEntry = regexp.MustCompile(`^\s*(\d+):(.*)$`)

// byParty groups perf's per-process shares into the run's parties.
func byParty(byPID []Share, who Parties) []Share {
	// perf names threads; a Go process has many, Postgres backends one each.
	party := map[int]string{}
	for _, p := range []struct {
		name string
		pids []int
	}{
		{"server (rapport serve)", []int{who.Server}},
		{"Postgres (this run's backends)", who.Postgres},
		{"PgBouncer", []int{who.Pooler}},
		{"load generator (this test binary)", []int{who.LoadGen}},
	} {
		for _, pid := range p.pids {
			for _, tid := range Threads(pid) {
				party[tid] = p.name
			}
		}
	}
	sums := map[string]float64{}
	for _, s := range byPID {
		m := pidEntry.FindStringSubmatch(s.Name)
		if m == nil {
			sums["other processes (not this run)"] += s.Percent
			continue
		}
		tid, _ := strconv.Atoi(m[1])
		switch name, ok := party[tid]; {
		case tid == 0:
			sums["idle"] += s.Percent
		case ok:
			sums[name] += s.Percent
		default:
			sums["other processes (not this run)"] += s.Percent
		}
	}
	return sorted(sums)
}

func sorted(sums map[string]float64) []Share {
	var out []Share
	for k, v := range sums {
		out = append(out, Share{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Percent != out[j].Percent {
			return out[i].Percent > out[j].Percent
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// selfShares is the functions processes pids (comma-separated) spent their samples in,
// as a share of those samples (above 0.5%, resolved names only), and the kernel's
// share of them.
func selfShares(ctx context.Context, bin, file, pids string) ([]Share, float64) {
	out, err := perfOutput(ctx, bin, "report", "-i", file, "--stdio", "-q", "-g", "none", "--no-children",
		"--pid", pids, "--percentage", "relative", "--percent-limit", "0", "--sort", "sym")
	if err != nil {
		return nil, 0
	}
	var shares []Share
	kernel := 0.0
	for _, line := range strings.Split(out, "\n") {
		m := symLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		pct, _ := strconv.ParseFloat(m[1], 64)
		if m[2] == "k" {
			kernel += pct
		}
		if pct >= 0.5 && !strings.HasPrefix(m[3], "0x") {
			shares = append(shares, Share{Name: m[3], Percent: pct})
		}
	}
	return shares, kernel
}

var symLine = regexp.MustCompile(`^\s*([0-9.]+)%\s+\[([.k])\]\s+(.+?)\s*$`)

var perfLine = regexp.MustCompile(`^\s*([0-9.]+)%\s+(?:\[[.k]\]\s+)?(.+?)\s*$`)

// perfShares runs perf and reads its "NN.NN%  [.] name" lines.
func perfShares(ctx context.Context, bin string, args ...string) ([]Share, error) {
	out, err := perfOutput(ctx, bin, args...)
	if err != nil {
		return nil, err
	}
	var shares []Share
	for _, line := range strings.Split(out, "\n") {
		m := perfLine.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if pct, err := strconv.ParseFloat(m[1], 64); err == nil {
			shares = append(shares, Share{Name: m[2], Percent: pct})
		}
	}
	return shares, nil
}

func perfOutput(ctx context.Context, bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		return "", fmt.Errorf("perf %s: %w", strings.Join(args[:min(len(args), 4)], " "), err)
	}
	return string(out), nil
}

// frame is one line of a call chain: the function and the object it is in.
type frame struct{ sym, dso string }

// perfStacks reads every sample of process pid as a call chain, leaf first.
func perfStacks(ctx context.Context, bin, file, pid string) ([][]frame, error) {
	out, err := perfOutput(ctx, bin, "script", "-i", file, "--pid", pid, "-F", "comm,ip,sym,dso")
	if err != nil {
		return nil, err
	}
	var stacks [][]frame
	var cur []frame
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") {
			if len(cur) > 0 {
				stacks = append(stacks, cur)
			}
			cur = nil
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		sym := strings.Join(f[1:len(f)-1], " ")
		if i := strings.LastIndex(sym, "+0x"); i > 0 {
			sym = sym[:i]
		}
		cur = append(cur, frame{sym: sym, dso: strings.Trim(f[len(f)-1], "()")})
	}
	if len(cur) > 0 {
		stacks = append(stacks, cur)
	}
	return stacks, sc.Err()
}
