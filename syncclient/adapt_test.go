package syncclient

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestBatchesAdapt(t *testing.T) {
	c := &Client{BatchRevs: DefaultBatchRevs, BatchBytes: DefaultBatchBytes}
	want := func(op, revs, bytes int) {
		t.Helper()
		if r, b := c.batchFor(op); r != revs || b != bytes {
			t.Fatalf("batch %d revisions, %d bytes; want %d, %d", r, b, revs, bytes)
		}
	}
	want(opPush, StartBatchRevs, StartBatchBytes)
	c.adapt(opPush, true, 100*time.Millisecond, nil) // a full batch, quickly
	want(opPush, 2*StartBatchRevs, 2*StartBatchBytes)
	c.adapt(opPush, false, 100*time.Millisecond, nil) // not full: nothing learnt
	want(opPush, 2*StartBatchRevs, 2*StartBatchBytes)
	for range 5 {
		c.adapt(opPush, true, time.Second, nil)
	}
	want(opPush, DefaultBatchRevs, DefaultBatchBytes) // capped
	want(opPull, StartBatchRevs, StartBatchBytes)     // each direction its own

	// A slow link: timeouts and slow batches halve, down to the minimum.
	c.adapt(opPush, true, time.Second, fmt.Errorf("push: %w", context.DeadlineExceeded))
	want(opPush, DefaultBatchRevs/2, DefaultBatchBytes/2)
	c.adapt(opPush, true, 30*time.Second, nil)
	want(opPush, DefaultBatchRevs/4, DefaultBatchBytes/4)
	for range 10 {
		c.adapt(opPush, true, 30*time.Second, nil)
	}
	want(opPush, MinBatchRevs, MinBatchBytes)
	c.adapt(opPush, true, time.Second, fmt.Errorf("the server refused")) // not the link's fault
	want(opPush, MinBatchRevs, MinBatchBytes)

	// Lowered caps hold at once, and the minimum never exceeds them.
	c.BatchRevs, c.BatchBytes = 10, 1000
	want(opPush, 10, 1000)
	c.adapt(opPush, true, 30*time.Second, nil)
	want(opPush, 10, 1000)
}
