package interop

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

func median(values []time.Duration) time.Duration {
	sorted := append([]time.Duration{}, values...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[len(sorted)/2]
}

// With a 10 s poll interval, River's workers only start a job at once when the
// insert's notification wakes them.
func TestNotificationWakesRiverWorkers(t *testing.T) {
	url, _, schema := migratedSchema(t)
	record := &worked{started: map[int]time.Time{}}
	startWorkers(t, connect(t, url), schema, record, 10*time.Second)
	time.Sleep(2 * time.Second) // let the client's listener and first fetch settle

	measure := func(n int, extra ...string) time.Duration {
		insertedAt := time.Now()
		cppInsert(t, url, schema, append([]string{"--kind", "interop_simple", "--args", fmt.Sprintf(`{"n":%d}`, n)}, extra...)...)
		waitFor(t, "the job to start", 30*time.Second, func() bool {
			record.mu.Lock()
			defer record.mu.Unlock()
			_, ok := record.started[n]
			return ok
		})
		record.mu.Lock()
		defer record.mu.Unlock()
		return record.started[n].Sub(insertedAt)
	}

	var notified []time.Duration
	for i := 0; i < 10; i++ {
		notified = append(notified, measure(1000+i))
		time.Sleep(150 * time.Millisecond) // past River's per-queue fetch cooldown
	}
	var polled []time.Duration
	for i := 0; i < 3; i++ {
		polled = append(polled, measure(2000+i, "--no-notify"))
	}
	t.Logf("median start latency with notification: %v (of %d); without: %v (of %d)",
		median(notified), len(notified), median(polled), len(polled))
	if median(notified) >= time.Second {
		t.Fatalf("with notifications the median start took %v, want under 1 s", median(notified))
	}
	// Without the notification nothing wakes the workers before their poll.
	if median(polled) < time.Second {
		t.Fatalf("without notifications the median start took %v: something other than our notification woke River", median(polled))
	}
}
