package syncclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// Audit log sync, the workstation's side (see "Audit log" in
// docs/SYNC.md): push this workstation's chain, pull the others'.

// ErrAuditRefused is the workstation's error when the server refuses its
// audit log: the log does not continue what the server holds of it.
var ErrAuditRefused = errors.New("the sync server refused this workstation's audit log")

// listAuditStreams asks the server for the practice's audit streams.
func (c *Client) listAuditStreams(ctx context.Context) (streams []syncproto.AuditStream, err error) {
	rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
	defer cancel()
	err = c.h.call(rctx, "GET", "/v1/audit/streams", nil, &streams)
	return streams, err
}

// pushAudit sends the entries of this workstation's audit log that the
// server does not hold yet. A log that does not continue the server's copy
// (rolled back or edited here) is refused; the error says why.
func (c *Client) pushAudit(ctx context.Context, res *Result) error {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	streams, err := c.listAuditStreams(ctx)
	if err != nil {
		return err
	}
	srv := syncproto.AuditStream{Device: c.cfg.DeviceID}
	for _, s := range streams {
		if s.Device == c.cfg.DeviceID {
			srv = s
		}
	}
	for {
		var (
			head  store.AuditHead
			batch []store.AuditWire
			send  bool
			state *syncproto.DeviceState
		)
		err := c.st.View(func(tx *store.Tx) error {
			var err error
			if head, err = tx.OwnAuditHead(); err != nil {
				return err
			}
			state = deviceStateOf(tx, head) // devicestate.go
			switch {
			case head.Seq > srv.Seq:
				send = true
				batch, err = tx.ExportAudit(srv.Seq+1, c.BatchRevs, c.BatchBytes)
			case head.Seq == srv.Seq && (head.Seq == 0 || bytes.Equal(head.Hash[:], srv.Hash)):
				// The server holds exactly this log.
			default:
				// Behind the server's copy, or different from it: send the
				// last entry (if any) so the server judges, and records,
				// what happened.
				send = true
				if head.Seq > 0 {
					batch, err = tx.ExportAudit(head.Seq, 1, c.BatchBytes)
				}
			}
			return err
		})
		if err != nil || !send {
			return err
		}
		var out syncproto.AuditStream
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		err = rolledBack(c.h.call(rctx, "POST", "/v1/audit/push", syncproto.AuditPushRequest{Head: head.Seq, Entries: batch, State: state}, &out))
		if rb := (*RolledBackError)(nil); errors.As(err, &rb) {
			rb.Audit = true
		}
		cancel()
		var se *ServerError
		if errors.As(err, &se) && se.Status == http.StatusConflict {
			return fmt.Errorf("%w: %s", ErrAuditRefused, se.Msg)
		}
		if err != nil {
			return err
		}
		for _, e := range batch {
			if e.Seq > srv.Seq {
				res.AuditPushed++
			}
		}
		srv = out
		if len(batch) == 0 || srv.Seq >= head.Seq {
			return nil
		}
	}
}

// pullAudit imports the other workstations' audit entries this workstation
// lacks, each stream checked on import (store.Tx.ImportAuditSettingAside):
// an entry that fails its check is set aside and the stream goes on past
// it; a batch out of sequence is not imported at all and the error says
// whose log it was. A refusal the server reports for another workstation is written,
// once, into this workstation's audit log, flagged for review.
func (c *Client) pullAudit(ctx context.Context, res *Result) error {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	streams, err := c.listAuditStreams(ctx)
	if err != nil {
		return err
	}
	for _, s := range streams {
		if s.Device == c.cfg.DeviceID || !store.ValidRecordID(s.Device) {
			continue
		}
		if s.Refused != nil {
			mark := "auditalert:" + s.Device
			at := uint64(max(s.Refused.At.UnixMilli(), 1))
			err := c.st.Update(func(tx *store.Tx) error {
				if tx.SyncMark(mark) >= at {
					return nil
				}
				if err := tx.AuditAlert(s.Device, s.Name, s.Refused.Reason, s.Refused.At); err != nil {
					return err
				}
				return tx.SetSyncMark(mark, at)
			})
			if err != nil {
				return err
			}
		}
		var local store.AuditHead
		if err := c.st.View(func(tx *store.Tx) error { local, err = tx.PeerAuditHead(s.Device); return err }); err != nil {
			return err
		}
		if local.Seq > 0 && (s.Seq < local.Seq || s.Seq == local.Seq && !bytes.Equal(s.Hash, local.Hash[:])) {
			// The stream ends otherwise than the chain taken from it: if
			// what was taken last was set aside, the server's operator
			// may have removed it, and the stream is pulled again from
			// the last entry imported.
			err := c.st.Update(func(tx *store.Tx) error {
				if ok, err := tx.RewindAudit(s.Device); err != nil || !ok {
					return err
				}
				local, err = tx.PeerAuditHead(s.Device)
				return err
			})
			if err != nil {
				return err
			}
		}
		for local.Seq < s.Seq {
			q := url.Values{}
			q.Set("device", s.Device)
			q.Set("since", strconv.FormatUint(local.Seq, 10))
			q.Set("limit", strconv.Itoa(c.BatchRevs))
			var ar syncproto.AuditEntriesResponse
			rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
			err := c.h.call(rctx, "GET", "/v1/audit/entries?"+q.Encode(), nil, &ar)
			cancel()
			if err != nil {
				return err
			}
			if len(ar.Entries) == 0 {
				break
			}
			var ir store.AuditImport
			err = c.st.Update(func(tx *store.Tx) error {
				var err error
				if ir, err = tx.ImportAuditSettingAside(s.Device, s.Name, s.Device, ar.Entries); err != nil {
					return err
				}
				local, err = tx.PeerAuditHead(s.Device)
				return err
			})
			if err != nil {
				return fmt.Errorf("the audit log of workstation %s from the server failed its check, so none of this batch was imported: %w", syncproto.ShortID(s.Device), err)
			}
			res.AuditPulled += ir.Imported
			res.SetAside += ir.SetAside
		}
	}
	return nil
}
