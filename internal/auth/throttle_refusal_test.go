package auth

import (
	"context"
	"sync"
	"testing"

	"rapport/internal/testenv"
)

// A refusal is "first" once per refusing counter and window, whatever the timing: 30
// refused attempts at once after a lock report exactly one first refusal, the counts
// are unchanged by them, and a release (a success forgets the pair) starts over.
// (Seen failing with refuseSQL returning r.refusing instead of r.refusing AND NOT
// l.noted: 30 firsts.)
func TestReserveNotesTheFirstRefusalOnce(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	counters := signInCounters("victim@example.com", "192.0.2.1")
	for range signInPair.Limit {
		if v, err := reserveVerdict(ctx, d.DB, counters); err != nil || !v.allowed {
			t.Fatalf("attempt within the limit: %+v, %v", v, err)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	firsts, refused := 0, 0
	start := make(chan struct{})
	for range 30 {
		wg.Go(func() {
			<-start
			v, err := reserveVerdict(ctx, d.DB, counters)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			if !v.allowed {
				refused++
			}
			if v.firstRefusal {
				firsts++
			}
		})
	}
	close(start)
	wg.Wait()
	if refused != 30 || firsts != 1 {
		t.Errorf("%d refused, %d first refusals; want 30 and 1", refused, firsts)
	}
	if n, _ := throttleCount(t, d, signInPair.On("victim@example.com|192.0.2.1").key); n != signInPair.Limit {
		t.Errorf("the pair counts %d after the refusals, want %d", n, signInPair.Limit)
	}
	if v, err := reserveVerdict(ctx, d.DB, counters); err != nil || v.allowed || v.firstRefusal {
		t.Errorf("a later refusal: %+v, %v", v, err)
	}
	// A success forgets the pair: its next lock is noted afresh.
	if err := release(ctx, d.DB, counters...); err != nil {
		t.Fatal(err)
	}
	for range signInPair.Limit {
		if _, err := reserveVerdict(ctx, d.DB, counters); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := reserveVerdict(ctx, d.DB, counters); err != nil || v.allowed || !v.firstRefusal {
		t.Errorf("the first refusal of the next lock: %+v, %v", v, err)
	}
}
