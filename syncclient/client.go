package syncclient

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"net/url"
	"strconv"
	"sync"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// Default batch bounds: a push or pull carries at most this many revisions
// and, beyond the first, this many sealed bytes. Batches start smaller and
// grow on a good link or shrink on a slow one (adapt.go).
const (
	DefaultBatchRevs  = syncproto.MaxPushRevs
	DefaultBatchBytes = 4 << 20
)

// DefaultRequestTimeout bounds one push or pull request (a long-poll's
// wait comes on top). A link that goes silent without closing — a pulled
// cable, a dropped route — would otherwise hold a request until TCP gives
// up, a quarter of an hour later, with the workstation neither syncing nor
// showing "offline". Two minutes carry a full batch (1 MB) over a link of
// 70 kbit/s.
const DefaultRequestTimeout = 2 * time.Minute

// Client syncs one workstation's store with its server. RunOnce does one
// full exchange; Run keeps syncing in the background.
type Client struct {
	st  *store.Store
	cfg Config
	h   *httpClient

	// BatchRevs and BatchBytes bound each push and pull (defaults above;
	// batches adapt below them, see adapt.go).
	BatchRevs, BatchBytes int
	batches               [2]batchSize // by opPush, opPull
	// LongPoll is how long a pull waits on the server for news.
	LongPoll time.Duration
	// RequestTimeout bounds each request (see [DefaultRequestTimeout]).
	RequestTimeout time.Duration

	pushMu, pullMu sync.Mutex // one push and one pull at a time

	sidMu sync.Mutex // guards cfg.ServerID, which changes for a new server (recover.go)

	mu       sync.Mutex
	resets   int // checkpoint resets after the server lost changes (recover.go)
	setAside int // items pulls set aside since start (status.go)
	status   Status
	errs     [2]error      // the last push and pull failures (nil: it went well)
	statusC  chan struct{} // closed and replaced when status changes
	kick     chan struct{}
	now      func() time.Time
}

// Option configures a [Client].
type Option func(*Client)

// WithClock makes the client read the time from now instead of the system
// clock (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// NewClient makes a client for st with settings cfg (see [LoadConfig]); the
// device's credentials are opened from st (signed in) when cfg does not
// carry them yet, as [Load] does.
func NewClient(st *store.Store, cfg Config, opts ...Option) (*Client, error) {
	if cfg.PracticeID != st.PracticeID() {
		return nil, errors.New("the sync settings belong to another practice")
	}
	cfg, err := withCredentials(st, cfg)
	if err != nil {
		return nil, err
	}
	h, err := newHTTP(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{st: st, cfg: cfg, h: h, BatchRevs: DefaultBatchRevs, BatchBytes: DefaultBatchBytes,
		LongPoll: syncproto.DefaultLongPoll, RequestTimeout: DefaultRequestTimeout, statusC: make(chan struct{}), kick: make(chan struct{}, 1), now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Close drops idle connections.
func (c *Client) Close() { c.h.close() }

func (c *Client) pushMark() string { return "push:" + c.serverID() }
func (c *Client) pullMark() string { return "pull:" + c.serverID() }

// Status is the current sync status.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// StatusChanged returns a channel closed at the next change of Status.
func (c *Client) StatusChanged() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.statusC
}

// SyncNow wakes the background loop ("sync now").
func (c *Client) SyncNow() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

const (
	opPush = 0
	opPull = 1
)

// RunOnce pushes every local change the server has not acknowledged, then
// pulls everything new on the server, and returns what moved. It stops at
// the first failure; whatever was acknowledged or imported before it stays
// done, and the next call resumes from there.
func (c *Client) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	for {
		resets := c.resetCount()
		perr := c.pushAll(ctx, &res)
		c.note(opPush, perr, false)
		if perr != nil && !errors.Is(perr, syncproto.ErrQuotaExceeded) {
			return res, perr
		}
		// With the server's storage full, what it holds still comes down.
		aside := res.SetAside
		err := c.pullAll(ctx, &res)
		c.note(opPull, err, res.Skewed)
		c.noteSetAside(res.SetAside - aside)
		if perr != nil {
			return res, cmp.Or(err, perr)
		}
		// A server found to have lost changes gets them offered at once.
		if err != nil || c.resetCount() == resets {
			return res, err
		}
	}
}

func (c *Client) pushAll(ctx context.Context, res *Result) error {
	// Keyslots of a store made before they synced get their records now,
	// so this workstation's users can sign in on the others.
	if _, err := c.st.ShareKeyslots(); err != nil {
		return err
	}
	// A new administration key, before anything it signs.
	if err := c.pushAdminKeys(ctx); err != nil {
		return err
	}
	// Documents go first, so a record never reaches the server before
	// the blob it names (blobs.go).
	if err := c.pushBlobs(ctx, res); err != nil {
		return err
	}
	lost := false
	for {
		r, more, err := c.pushBatch(ctx)
		if err != nil && !lost && missingParent(err) {
			// The server lacks a revision it had acknowledged: it lost
			// changes (recover.go). Offer everything again, once.
			lost = true
			if err = c.serverLost(ctx); err == nil {
				continue
			}
		}
		res.add(r)
		if err == nil && !more {
			err = c.pushAudit(ctx, res) // this workstation's audit log (audit.go)
		}
		if err != nil || !more {
			return err
		}
	}
}

func (c *Client) pullAll(ctx context.Context, res *Result) error {
	for {
		r, more, err := c.pullBatch(ctx, 0)
		res.add(r)
		if err == nil && !more {
			err = c.pullBlobs(ctx, res) // documents the store lacks (blobs.go)
		}
		if err == nil && !more {
			err = c.pullAudit(ctx, res) // other workstations' audit logs (audit.go)
		}
		if err != nil || !more {
			return err
		}
	}
}

// pushBatch sends the next batch of local changes and moves the push
// checkpoint once the server has acknowledged them durably.
func (c *Client) pushBatch(ctx context.Context) (res Result, more bool, err error) {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	var (
		batch       []syncproto.Rev
		since, last uint64
		state       *syncproto.DeviceState
	)
	limit, maxBytes := c.batchFor(opPush)
	err = c.st.View(func(tx *store.Tx) error {
		var err error
		if state, err = ownDeviceState(tx); err != nil { // devicestate.go
			return err
		}
		since = tx.SyncMark(c.pushMark())
		last = since
		chs, err := tx.Changes(since, limit)
		if err != nil {
			return err
		}
		more = len(chs) == limit
		size := 0
		for _, ch := range chs {
			if !ch.Remote {
				w, err := tx.ExportRev(ch.RecordID, ch.Rev)
				if err != nil {
					return err
				}
				if len(batch) > 0 && size+len(w.Sealed) > maxBytes {
					more = true
					break
				}
				size += len(w.Sealed)
				batch = append(batch, syncproto.Rev{RecordID: w.RecordID, Rev: w.Rev, Parents: w.Parents, Sealed: w.Sealed})
			}
			last = ch.Seq
		}
		return nil
	})
	if err != nil || last == since {
		return res, false, err
	}
	if len(batch) > 0 {
		var pr syncproto.PushResponse
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		defer cancel()
		start := time.Now()
		err := rolledBack(c.h.call(rctx, "POST", "/v1/push", syncproto.PushRequest{Revs: batch, State: state}, &pr))
		c.adapt(opPush, more, time.Since(start), err)
		if err != nil {
			return res, false, err
		}
		res.Sent, res.Pushed = len(batch), pr.Inserted
	}
	err = c.st.Update(func(tx *store.Tx) error { return tx.SetSyncMark(c.pushMark(), last) })
	return res, more, err
}

// pullBatch fetches the next batch of revisions from the server, waiting up
// to wait for news, and imports them with the pull checkpoint in one
// transaction: either all of the batch and the new checkpoint are stored,
// or nothing is.
func (c *Client) pullBatch(ctx context.Context, wait time.Duration) (res Result, more bool, err error) {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	var since uint64
	if err := c.st.View(func(tx *store.Tx) error { since = tx.SyncMark(c.pullMark()); return nil }); err != nil {
		return res, false, err
	}
	q := url.Values{}
	q.Set("since", strconv.FormatUint(since, 10))
	limit, _ := c.batchFor(opPull)
	q.Set("limit", strconv.Itoa(limit))
	if wait > 0 {
		q.Set("wait", strconv.FormatFloat(wait.Seconds(), 'f', 3, 64))
	}
	if since == 0 {
		q.Set("all", "1")
	}
	var cr syncproto.ChangesResponse
	rctx, cancel := context.WithTimeout(ctx, wait+c.RequestTimeout)
	defer cancel()
	start := time.Now()
	if err := c.h.call(rctx, "GET", "/v1/changes?"+q.Encode(), nil, &cr); err != nil {
		if wait == 0 {
			c.adapt(opPull, false, time.Since(start), err)
		}
		return res, false, err
	}
	if wait == 0 {
		c.adapt(opPull, cr.More, time.Since(start), nil)
	}
	if cr.ServerID != "" && cr.ServerID != c.serverID() {
		return res, true, c.serverChanged(cr.ServerID)
	}
	if cr.LastSeq < since {
		return res, true, c.serverRestored(c.pullMark(), cr.LastSeq)
	}
	if cr.LastSeq == since && len(cr.Revs) == 0 {
		return res, false, nil
	}
	// The batches after it are fetched while it is written (pullahead.go).
	return c.importPulled(ctx, since, cr, wait == 0)
}

// Run syncs in the background until ctx ends: it pushes soon after every
// local change (and at least every minute), keeps a long-poll open so that
// remote changes arrive at once, and backs off (1 s doubling to 1 minute,
// with jitter) while the server cannot be reached or refuses.
func (c *Client) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.pushLoop(ctx) }()
	go func() { defer wg.Done(); c.pullLoop(ctx) }()
	wg.Wait()
}

func backoff(n int) time.Duration {
	d := time.Second << min(n, 6)
	d = min(d, time.Minute)
	return d/2 + rand.N(d/2+1)
}

func (c *Client) sleep(ctx context.Context, d time.Duration, also <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-c.kick:
	case <-also:
	}
}

func (c *Client) pushLoop(ctx context.Context) {
	fails := 0
	for ctx.Err() == nil {
		changed := c.st.ChangeSignal() // taken before pushing: no edit slips by
		var res Result
		err := c.pushAll(ctx, &res)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.note(opPush, err, false)
			c.sleep(ctx, backoff(fails), nil)
			fails++
			continue
		}
		fails = 0
		c.note(opPush, nil, false)
		c.sleep(ctx, time.Minute, changed)
	}
}

func (c *Client) pullLoop(ctx context.Context) {
	fails := 0
	more := true
	for ctx.Err() == nil {
		wait := c.LongPoll
		if more {
			wait = 0
		}
		pctx, cancel := context.WithTimeout(ctx, wait+30*time.Second)
		res, m, err := c.pullBatch(pctx, wait)
		cancel()
		if err == nil && !m {
			err = c.pullBlobs(ctx, &res) // documents the store lacks (blobs.go)
		}
		if err == nil && !m {
			err = c.pullAudit(ctx, &res) // other workstations' audit logs (audit.go)
		}
		if ctx.Err() != nil {
			return
		}
		c.note(opPull, err, res.Skewed)
		c.noteSetAside(res.SetAside)
		if err != nil {
			more = true
			c.sleep(ctx, backoff(fails), nil)
			fails++
			continue
		}
		fails, more = 0, m
	}
}
