package mailbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// heapPeak runs fn and returns the highest live heap above the start that it reached,
// sampled every millisecond with runtime.ReadMemStats after a GC.
func heapPeak(fn func()) (uint64, time.Duration) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var s runtime.MemStats
		for {
			runtime.ReadMemStats(&s)
			if s.HeapAlloc > base && s.HeapAlloc-base > peak.Load() {
				peak.Store(s.HeapAlloc - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	start := time.Now()
	fn()
	took := time.Since(start)
	close(stop)
	<-done
	return peak.Load(), took
}

// A message over the 25 MB limit is quarantined from its size alone: only its header's
// start is fetched, so the heap never holds it. A message just under the limit is
// fetched and filed, in memory bounded by a few times its size.
func TestPollLargeMessages(t *testing.T) {
	f := newFixture(t)
	big := mail("big@example.com", "Huge", "big@example.com", strings.Repeat(strings.Repeat("x", 76)+"\n", 26<<20/77))
	f.imap.Append(t, big)
	size := len(big)
	big = nil
	peak, took := heapPeak(func() { f.poll() })
	t.Logf("a %.1f MB message (over the limit): quarantined in %v, heap peak +%.1f MB", float64(size)/1e6, took.Round(time.Millisecond), float64(peak)/1e6)
	if got := f.str(`SELECT state || ':' || reason FROM inbound_messages`); !strings.HasPrefix(got, "quarantined:the message is "+strconv.Itoa(size)+" bytes, more than the 26214400 allowed") {
		t.Fatalf("decision: %s", got)
	}
	if n := f.count(`SELECT sum(length(data)) FROM inbound_message_raw`); n > headerLimit || n == 0 {
		t.Fatalf("kept %d bytes of the oversized message, want its header's start only", n)
	}
	if peak > 8<<20 {
		t.Fatalf("the heap grew by %d bytes for a message never fetched, want under 8 MiB", peak)
	}

	// Under the limit: two 9 MB attachments, about 24.6 MB as sent.
	var b bytes.Buffer
	b.WriteString("From: near@example.com\r\nTo: support@rapport.test\r\nSubject: Near the limit\r\nMessage-ID: <near@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"P\"\r\n\r\n--P\r\nContent-Type: text/plain\r\n\r\nLogs attached.\r\n")
	file := bytes.Repeat([]byte("0123456789abcdef"), 9<<20/16)
	for i := range 2 {
		fmt.Fprintf(&b, "--P\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"log%d.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
		enc := base64.StdEncoding.EncodeToString(file)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--P--\r\n")
	near := b.Len()
	if near > 25<<20 {
		t.Fatalf("the test message is %d bytes, over the limit", near)
	}
	f.imap.Append(t, b.Bytes())
	b, file = bytes.Buffer{}, nil
	peak, took = heapPeak(func() { f.poll() })
	t.Logf("a %.1f MB message (under the limit): filed in %v, heap peak +%.1f MB (%.1f× its size)", float64(near)/1e6, took.Round(time.Millisecond), float64(peak)/1e6, float64(peak)/float64(near))
	if got := f.str(`SELECT state FROM inbound_messages WHERE message_id = 'near@example.com'`); got != "ticket" {
		t.Fatalf("the message under the limit: %s", got)
	}
	if n := f.count(`SELECT sum(length(data)) FROM inbound_message_raw r JOIN inbound_messages m ON m.id = r.inbound_id WHERE m.message_id = 'near@example.com'`); n != near {
		t.Fatalf("kept %d bytes of %d", n, near)
	}
	if peak > 8*uint64(near) {
		t.Fatalf("the heap grew by %d bytes for a %d-byte message, want under 8×", peak, near)
	}
}

// 1,000 messages from 1,000 senders: two polls (500 each) file them all, each once.
func TestPollThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 1,000 messages")
	}
	f := newFixture(t)
	const n = 1000
	msgs := make([][]byte, n)
	for i := range n {
		msgs[i] = mail(fmt.Sprintf("Customer %d <c%d@example.com>", i, i), fmt.Sprintf("Question %d", i), fmt.Sprintf("k%d@example.com", i),
			"Hello,\n\nI have a question about my order "+strconv.Itoa(i)+".\n\nThanks\n-- \nCustomer")
	}
	start := time.Now()
	f.imap.Append(t, msgs...)
	appended := time.Since(start)
	msgs = nil
	recorded, polls := 0, 0
	peak, took := heapPeak(func() {
		for {
			res, err := f.p.Poll(context.Background(), f.mb.ID)
			if err != nil || res.Err != nil {
				t.Fatalf("poll: %v %v", err, res.Err)
			}
			if res.New == 0 {
				return
			}
			recorded += res.New
			polls++
		}
	})
	t.Logf("1,000 messages: appended in %v; %d polls (at most 500 each) filed them in %v (%.0f/s), heap peak +%.1f MB",
		appended.Round(time.Millisecond), polls, took.Round(time.Millisecond), float64(n)/took.Seconds(), float64(peak)/1e6)
	if recorded != n || polls != 2 {
		t.Fatalf("recorded %d in %d polls, want %d in 2", recorded, polls, n)
	}
	if got := f.count(`SELECT count(*) FROM tickets`); got != n {
		t.Fatalf("%d tickets, want %d", got, n)
	}
	if got := f.count(`SELECT count(DISTINCT requester_id) FROM tickets`); got != n {
		t.Fatalf("%d requesters, want %d", got, n)
	}
	if got := f.count(`SELECT count(*) FROM ticket_messages WHERE body = 'Hello,' || E'\n\n' || 'I have a question about my order ' || split_part(split_part(body, 'order ', 2), '.', 1) || '.' || E'\n\n' || 'Thanks'`); got != n {
		t.Fatalf("%d bodies cut at the signature, want %d", got, n)
	}
}
