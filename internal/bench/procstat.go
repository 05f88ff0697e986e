package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ticksPerSecond is Linux's USER_HZ, the unit of /proc's CPU times (100 on every
// mainstream architecture).
const ticksPerSecond = 100

// ProcStatus reads one "Name: value kB" field of /proc/<pid>/status (VmHWM, VmRSS) in kB.
func ProcStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			f := strings.Fields(value)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// procStat is the fields of /proc/<pid>/stat the benchmark uses.
type procStat struct {
	ppid        int
	cpu         int64 // utime + stime, ticks
	childrenCPU int64 // cutime + cstime: children that exited and were waited for
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name is in parentheses and may hold spaces: the fields follow the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	num := func(k int) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
	// f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
	return procStat{ppid: int(num(1)), cpu: num(11) + num(12), childrenCPU: num(13) + num(14)}, nil
}

// CPUTime is the CPU time used so far by pid and, with tree, by its live children and
// those it has waited for (Postgres: the postmaster and every backend).
func CPUTime(pid int, tree bool) time.Duration {
	if pid <= 0 {
		return 0
	}
	st, err := readProcStat(pid)
	if err != nil {
		return 0
	}
	ticks := st.cpu
	if tree {
		ticks += st.childrenCPU
		for _, child := range Children(pid) {
			if cs, err := readProcStat(child); err == nil {
				ticks += cs.cpu
			}
		}
	}
	return time.Duration(ticks) * time.Second / ticksPerSecond
}

// Children are the live processes whose parent is pid.
func Children(pid int) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		child, err := strconv.Atoi(filepath.Base(d))
		if err != nil || child == pid {
			continue
		}
		if cs, err := readProcStat(child); err == nil && cs.ppid == pid {
			out = append(out, child)
		}
	}
	return out
}

// MachineCPU is the CPU time every processor has spent busy (not idle or waiting for
// I/O) since boot, from /proc/stat.
func MachineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for k, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if k == 3 || k == 4 || k >= 7 { // idle, iowait, steal; guest times are already in user
			continue
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / ticksPerSecond
}

// Threads are pid's threads (pid itself among them), or none when pid is not running.
func Threads(pid int) []int {
	if pid <= 0 {
		return nil
	}
	var out []int
	dirs, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/[0-9]*", pid))
	for _, d := range dirs {
		if tid, err := strconv.Atoi(filepath.Base(d)); err == nil {
			out = append(out, tid)
		}
	}
	return out
}
