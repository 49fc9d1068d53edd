package syncclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// Pulling a long backlog (a first sync) is a pipeline: while one batch is
// written to the store (and fsynced), the next ones are already being
// fetched from the server, decoded and checked with the data key
// ([store.Store.CheckRevs]), up to pullAhead batches ahead. Batches that
// have arrived by the time the store is free are written together in one
// transaction (at most pullGroupBytes of sealed bytes), with the pull
// checkpoint moved to the last of them: the checkpoint still moves in the
// same transaction as the revisions it accounts for, and a revision that
// fails its check is set aside in that transaction (store/setaside.go)
// while the others of it are imported. The fetches ahead stop after pullAheadFor, at the end of the
// backlog, on any error and on any answer out of the ordinary (another
// server, a sequence that went back, nothing new); the next pullBatch then
// asks again the ordinary way.
const (
	pullAhead      = 2
	pullGroupBytes = syncproto.MaxPullBytes
	pullAheadFor   = 10 * time.Second
)

// pulled is one answer to GET /v1/changes?since=since, checked.
type pulled struct {
	since uint64
	cr    syncproto.ChangesResponse
	cs    []store.CheckedRev
}

func (c *Client) checkPulled(since uint64, cr syncproto.ChangesResponse) pulled {
	ws := make([]store.WireRev, len(cr.Revs))
	for i, r := range cr.Revs {
		ws[i] = store.WireRev{RecordID: r.RecordID, Rev: r.Rev, Parents: r.Parents, Sealed: r.Sealed}
	}
	return pulled{since: since, cr: cr, cs: c.st.CheckRevs(ws)}
}

// importPulled imports cr, the answer to a pull after since, with the pull
// checkpoint in one transaction and, when readAhead is set and more
// waits on the server, the batches after it as they arrive (see above).
// It returns what was imported and whether more waits; on an error, what
// was imported before the failing transaction stays imported.
func (c *Client) importPulled(ctx context.Context, since uint64, cr syncproto.ChangesResponse, readAhead bool) (res Result, more bool, err error) {
	var ahead chan pulled
	if readAhead && cr.More {
		actx, cancel := context.WithCancel(ctx)
		ahead = make(chan pulled, pullAhead)
		done := make(chan struct{})
		go func() { defer close(done); c.readAhead(actx, cr.LastSeq, ahead) }()
		defer func() { cancel(); <-done }()
	}
	group := []pulled{c.checkPulled(since, cr)}
	for {
		r, ok, err := c.importGroup(group)
		res.add(r)
		if err != nil || !ok {
			return res, !ok, err
		}
		more = group[len(group)-1].cr.More
		if ahead == nil || !more {
			return res, more, nil
		}
		p, open := <-ahead
		if !open {
			return res, more, nil
		}
		group = []pulled{p}
		size := sealedSize(p.cr.Revs)
	drain:
		for size < pullGroupBytes {
			select {
			case p, open := <-ahead:
				if !open {
					break drain
				}
				group, size = append(group, p), size+sealedSize(p.cr.Revs)
			default:
				break drain
			}
		}
	}
}

func sealedSize(rs []syncproto.Rev) (n int) {
	for _, r := range rs {
		n += len(r.Sealed)
	}
	return n
}

// importGroup imports consecutive answers in one transaction and moves the
// pull checkpoint past the last. ok is false (and nothing is written) when
// the checkpoint is no longer where the first answer started.
func (c *Client) importGroup(group []pulled) (res Result, ok bool, err error) {
	mark := c.pullMark()
	err = c.st.Update(func(tx *store.Tx) error {
		res = Result{}
		if tx.SyncMark(mark) != group[0].since {
			return nil
		}
		ok = true
		for _, p := range group {
			for i, r := range p.cr.Revs {
				if r.Seq <= p.since || r.Seq > p.cr.LastSeq {
					return fmt.Errorf("the server sent revision %s out of sequence", r.Rev)
				}
				ir, err := tx.ImportChecked(&p.cs[i])
				var bad *store.BadItemError
				if errors.As(err, &bad) {
					// A revision that fails its checks is set aside and
					// the pull goes on past it (store/setaside.go).
					it := store.SetAside{Kind: store.SetAsideRevision, Device: r.Device, ID: r.RecordID, Rev: r.Rev, Seq: r.Seq, Reason: bad.Reason, Bytes: r.Sealed}
					added, err := tx.PutSetAside(it)
					if err != nil {
						return err
					}
					res.Received++
					if added {
						res.SetAside++
					}
					continue
				}
				if err != nil {
					return err
				}
				res.Received++
				if ir.Inserted {
					res.Pulled++
				}
				res.Skewed = res.Skewed || ir.Skewed
			}
		}
		return tx.SetSyncMark(mark, group[len(group)-1].cr.LastSeq)
	})
	if err != nil {
		return Result{}, false, err
	}
	return res, ok, nil
}

// readAhead fetches the batches after since into out until the backlog
// ends, ctx ends, pullAheadFor has passed, or an answer is not an ordinary
// next batch; it closes out when it stops.
func (c *Client) readAhead(ctx context.Context, since uint64, out chan<- pulled) {
	defer close(out)
	for start := time.Now(); time.Since(start) < pullAheadFor; {
		q := url.Values{}
		q.Set("since", strconv.FormatUint(since, 10))
		limit, _ := c.batchFor(opPull)
		q.Set("limit", strconv.Itoa(limit))
		if since == 0 {
			q.Set("all", "1")
		}
		var cr syncproto.ChangesResponse
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		t := time.Now()
		err := c.h.call(rctx, "GET", "/v1/changes?"+q.Encode(), nil, &cr)
		cancel()
		if ctx.Err() != nil {
			return
		}
		c.adapt(opPull, err == nil && cr.More, time.Since(t), err)
		if err != nil || cr.ServerID != "" && cr.ServerID != c.serverID() || cr.LastSeq <= since || len(cr.Revs) == 0 {
			return
		}
		select {
		case out <- c.checkPulled(since, cr):
		case <-ctx.Done():
			return
		}
		if !cr.More {
			return
		}
		since = cr.LastSeq
	}
}
