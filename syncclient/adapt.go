package syncclient

import (
	"context"
	"errors"
	"net"
	"time"
)

// Batches adapt to the link. A push or pull starts at StartBatchRevs
// revisions (and StartBatchBytes sealed bytes for a push, capped by the
// client's BatchRevs and BatchBytes); a full batch that took under
// growBelow doubles the next one, up to those caps, since on a good link
// fewer, larger batches mean fewer durable commits on both sides; a batch
// that timed out, or took over shrinkAbove, halves it, down to
// MinBatchRevs and MinBatchBytes, so that on a slow link each request
// finishes well inside its deadline. A long-poll's wait is not counted.
const (
	StartBatchRevs  = 500
	StartBatchBytes = 1 << 20
	MinBatchRevs    = 25
	MinBatchBytes   = 64 << 10

	growBelow   = 2 * time.Second
	shrinkAbove = 20 * time.Second
)

// batchSize is the current size of one direction's batches.
type batchSize struct{ revs, bytes int }

// batchFor returns the size for the next push (opPush) or pull (opPull).
func (c *Client) batchFor(op int) (revs, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := &c.batches[op]
	if b.revs == 0 {
		b.revs, b.bytes = min(StartBatchRevs, c.BatchRevs), min(StartBatchBytes, c.BatchBytes)
	}
	// The caps may have been lowered since (tests do).
	b.revs, b.bytes = min(b.revs, c.BatchRevs), min(b.bytes, c.BatchBytes)
	return max(b.revs, 1), max(b.bytes, 1)
}

// adapt sizes the next batch of op after one that was full or not, took
// the time given (without a long-poll's wait) and ended with err.
func (c *Client) adapt(op int, full bool, took time.Duration, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := &c.batches[op]
	switch {
	case err != nil && timedOut(err), err == nil && took > shrinkAbove:
		b.revs = max(b.revs/2, min(MinBatchRevs, c.BatchRevs))
		b.bytes = max(b.bytes/2, min(MinBatchBytes, c.BatchBytes))
	case err == nil && full && took < growBelow:
		b.revs = min(b.revs*2, c.BatchRevs)
		b.bytes = min(b.bytes*2, c.BatchBytes)
	}
}

// timedOut reports whether err is a request that ran out of time.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
