package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"chartkeeper/store"
)

// Audit log sync (see "Audit log" in doc.go). Every workstation's audit
// chain is a stream of its own on the server, keyed by the device that
// pushes it:
//
//	GET  /v1/audit/streams              every device's stream: last sequence,
//	                                    last hash, name, the first refusal
//	POST /v1/audit/push                 entries after the server's last one
//	                                    for the calling device
//	GET  /v1/audit/entries?device=D&since=N&limit=L
//	                                    device D's entries after sequence N
//
// The entries travel as the device stored them ([store.AuditWire]): the
// previous entry's hash, then the sealed event. The server learns device
// IDs, sequence numbers and sizes, and checks the chain without a key.

// Limits of audit sync.
const (
	MaxAuditPush      = 2000     // entries in one push
	MaxAuditPushBytes = 16 << 20 // one audit push body
	MaxAuditPull      = 2000     // entries in one pull response
	maxAuditReason    = 300
)

// ErrAuditRefused is the workstation's error when the server refuses its
// audit log: the log does not continue what the server holds of it.
var ErrAuditRefused = errors.New("the sync server refused this workstation's audit log")

// ErrAuditDiverged is the backend's refusal of entries that do not
// continue a device's chain as the server holds it.
var ErrAuditDiverged = errors.New("the audit log of this workstation does not continue the copy the server holds; it was rolled back (restored from an old copy) or edited here")

// AuditStream is one device's audit chain as the server holds it.
type AuditStream struct {
	Device  string        `json:"device"`
	Name    string        `json:"name,omitempty"` // the device's name (GET only)
	Seq     uint64        `json:"seq"`            // the last entry held (0: none)
	Hash    []byte        `json:"hash,omitempty"` // its chain hash
	Refused *AuditRefusal `json:"refused,omitempty"`
}

// AuditRefusal records the first time the server refused a device's
// entries because they did not continue its chain.
type AuditRefusal struct {
	At     time.Time `json:"at"`
	Seq    uint64    `json:"seq"` // the entry concerned
	Reason string    `json:"reason"`
}

// AuditPushRequest is the body of POST /v1/audit/push: consecutive entries
// of the pushing device's chain, and the device's last sequence number
// (so a log shorter than the server's copy is caught).
type AuditPushRequest struct {
	Head    uint64            `json:"head"`
	Entries []store.AuditWire `json:"entries"`
}

// AuditEntriesResponse is the body of GET /v1/audit/entries.
type AuditEntriesResponse struct {
	Entries []store.AuditWire `json:"entries"`
	More    bool              `json:"more"`
}

// AuditQuery is a parsed GET /v1/audit/entries query.
type AuditQuery struct {
	Device string
	Since  uint64
	Limit  int
}

// AuditBackend is implemented by backends that keep audit streams; the
// server answers the audit paths with 501 when its backend does not.
type AuditBackend interface {
	// AuditStreams lists the practice's audit streams (with each device's
	// name), by device ID.
	AuditStreams(ctx context.Context, practiceID string) ([]AuditStream, error)
	// AppendAudit adds entries to deviceID's stream in one durable
	// transaction by [PlanAuditAppend] on its stored state. When that
	// refuses with ErrAuditDiverged, the backend stores the refusal it
	// returns (only if the stream has none yet), commits that, and returns
	// the error; nothing else changes.
	AppendAudit(ctx context.Context, practiceID, deviceID string, req AuditPushRequest, now time.Time) (AuditStream, error)
	// AuditEntries returns deviceID's entries after since, in order: at
	// most limit and, beyond the first, at most maxBytes of stored bytes.
	// An unknown stream has no entries.
	AuditEntries(ctx context.Context, practiceID, deviceID string, since uint64, limit, maxBytes int) (AuditEntriesResponse, error)
}

// PlanAuditAppend decides a push against a stream's state cur: it returns
// the entries to store and the stream's new state. held returns the stored
// bytes of an entry the stream already has. Entries the server already
// holds must be byte for byte the same (a retry); the first new one must
// carry the hash of the last held one; and the device's head may not be
// behind the server's copy. Otherwise the error wraps ErrAuditDiverged and
// next.Refused says why (the first refusal is kept).
func PlanAuditAppend(cur AuditStream, req AuditPushRequest, now time.Time, held func(seq uint64) ([]byte, error)) (add []store.AuditWire, next AuditStream, err error) {
	next = cur
	refuse := func(seq uint64, reason string) ([]store.AuditWire, AuditStream, error) {
		out := cur
		if out.Refused == nil {
			out.Refused = &AuditRefusal{At: now.UTC(), Seq: seq, Reason: reason}
		}
		return nil, out, fmt.Errorf("%w (%s)", ErrAuditDiverged, reason)
	}
	for _, e := range req.Entries {
		switch {
		case e.Seq <= next.Seq:
			v, err := held(e.Seq)
			if err != nil {
				return nil, cur, err
			}
			if !bytes.Equal(v, e.Stored) {
				return refuse(e.Seq, fmt.Sprintf("entry %d differs from the one the server holds", e.Seq))
			}
		case e.Seq == next.Seq+1:
			want := make([]byte, store.AuditHashSize)
			if next.Seq > 0 {
				want = next.Hash
			}
			if !bytes.Equal(store.AuditLink(e.Stored), want) {
				return refuse(e.Seq, fmt.Sprintf("entry %d does not follow entry %d held by the server", e.Seq, next.Seq))
			}
			h := store.AuditEntryHash(e.Seq, e.Stored)
			next.Seq, next.Hash = e.Seq, h[:]
			add = append(add, e)
		default:
			return nil, cur, fmt.Errorf("%w: audit entry %d would leave a gap after %d", ErrBadRequest, e.Seq, next.Seq)
		}
	}
	if req.Head < next.Seq {
		return refuse(req.Head, fmt.Sprintf("the log here ends at entry %d but the server holds %d entries of it", req.Head, next.Seq))
	}
	return add, next, nil
}

// DecodeAuditPush parses and checks an audit push body.
func DecodeAuditPush(body []byte) (AuditPushRequest, error) {
	var req AuditPushRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if len(req.Entries) > MaxAuditPush {
		return req, fmt.Errorf("%w: more than %d audit entries in one push", ErrBadRequest, MaxAuditPush)
	}
	for i, e := range req.Entries {
		if e.Seq == 0 || (i > 0 && e.Seq != req.Entries[i-1].Seq+1) {
			return req, fmt.Errorf("%w: audit entries must be consecutive", ErrBadRequest)
		}
		if store.AuditLink(e.Stored) == nil || len(e.Stored) > store.MaxAuditWireSize {
			return req, fmt.Errorf("%w: audit entry %d of %d bytes", ErrBadRequest, e.Seq, len(e.Stored))
		}
	}
	if n := len(req.Entries); n > 0 && req.Head < req.Entries[n-1].Seq {
		return req, fmt.Errorf("%w: audit head before the last entry sent", ErrBadRequest)
	}
	return req, nil
}

// ParseAuditQuery parses and checks the query of GET /v1/audit/entries.
func ParseAuditQuery(q url.Values) (AuditQuery, error) {
	aq := AuditQuery{Device: q.Get("device"), Limit: 500}
	if err := checkName("device", aq.Device); err != nil {
		return aq, err
	}
	var err error
	if v := q.Get("since"); v != "" {
		if aq.Since, err = strconv.ParseUint(v, 10, 64); err != nil {
			return aq, fmt.Errorf("%w: since", ErrBadRequest)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return aq, fmt.Errorf("%w: limit", ErrBadRequest)
		}
		aq.Limit = min(n, MaxAuditPull)
	}
	return aq, nil
}

// registerAudit adds the audit paths to the server's routes.
func (s *Server) registerAudit() {
	s.mux.HandleFunc("GET /v1/audit/streams", s.authed(s.auditStreams))
	s.mux.HandleFunc("POST /v1/audit/push", s.authed(s.auditPush))
	s.mux.HandleFunc("GET /v1/audit/entries", s.authed(s.auditEntries))
}

func (s *Server) auditBackend(w http.ResponseWriter) (AuditBackend, bool) {
	ab, ok := s.b.(AuditBackend)
	if !ok {
		writeErr(w, http.StatusNotImplemented, "this server does not keep audit logs")
	}
	return ab, ok
}

func (s *Server) auditStreams(w http.ResponseWriter, r *http.Request, ai authInfo) {
	ab, ok := s.auditBackend(w)
	if !ok {
		return
	}
	st, err := ab.AuditStreams(r.Context(), ai.practice)
	if err != nil {
		s.fail(w, err)
		return
	}
	if st == nil {
		st = []AuditStream{}
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) auditPush(w http.ResponseWriter, r *http.Request, ai authInfo) {
	ab, ok := s.auditBackend(w)
	if !ok {
		return
	}
	req, ok := readRequest(s, w, r, MaxAuditPushBytes, DecodeAuditPush)
	if !ok {
		return
	}
	res, err := ab.AppendAudit(r.Context(), ai.practice, ai.device, req, s.opts.Now())
	if errors.Is(err, ErrAuditDiverged) {
		if s.opts.Logger != nil {
			s.opts.Logger.Warn("audit log refused", "practice", short(ai.practice), "device", short(ai.device))
		}
		writeErr(w, http.StatusConflict, err.Error())
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	if res.Seq > 0 {
		s.signalFor(ai.practice + auditSignal).fire()
	}
	writeJSON(w, http.StatusOK, res)
}

// auditSignal keys, after the practice ID, the signal an audit push fires
// to answer the practice's long-polls.
const auditSignal = "/audit"

func (s *Server) auditEntries(w http.ResponseWriter, r *http.Request, ai authInfo) {
	ab, ok := s.auditBackend(w)
	if !ok {
		return
	}
	q, err := ParseAuditQuery(r.URL.Query())
	if err != nil {
		s.fail(w, err)
		return
	}
	res, err := ab.AuditEntries(r.Context(), ai.practice, q.Device, q.Since, q.Limit, MaxPullBytes)
	if err != nil {
		s.fail(w, err)
		return
	}
	if res.Entries == nil {
		res.Entries = []store.AuditWire{}
	}
	writeJSON(w, http.StatusOK, res)
}

// listAuditStreams asks the server for the practice's audit streams; ok is
// false when the server does not keep audit logs (501).
func (c *Client) listAuditStreams(ctx context.Context) (streams []AuditStream, ok bool, err error) {
	rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
	defer cancel()
	err = c.h.call(rctx, "GET", "/v1/audit/streams", nil, &streams)
	var se *ServerError
	if errors.As(err, &se) && se.Status == http.StatusNotImplemented {
		return nil, false, nil
	}
	return streams, err == nil, err
}

// pushAudit sends the entries of this workstation's audit log that the
// server does not hold yet. A log that does not continue the server's copy
// (rolled back or edited here) is refused; the error says why.
func (c *Client) pushAudit(ctx context.Context, res *Result) error {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	streams, ok, err := c.listAuditStreams(ctx)
	if err != nil || !ok {
		return err
	}
	srv := AuditStream{Device: c.cfg.DeviceID}
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
		)
		err := c.st.View(func(tx *store.Tx) error {
			var err error
			if head, err = tx.OwnAuditHead(); err != nil {
				return err
			}
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
		var out AuditStream
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		err = c.h.call(rctx, "POST", "/v1/audit/push", AuditPushRequest{Head: head.Seq, Entries: batch}, &out)
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
// lacks, each stream checked on import (store.Tx.ImportAudit): a batch that
// fails its check is not imported at all and the error says whose log it
// was. A refusal the server reports for another workstation is written,
// once, into this workstation's audit log, flagged for review.
func (c *Client) pullAudit(ctx context.Context, res *Result) error {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	streams, ok, err := c.listAuditStreams(ctx)
	if err != nil || !ok {
		return err
	}
	for _, s := range streams {
		if s.Device == c.cfg.DeviceID || checkName("device", s.Device) != nil {
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
		for local.Seq < s.Seq {
			q := url.Values{}
			q.Set("device", s.Device)
			q.Set("since", strconv.FormatUint(local.Seq, 10))
			q.Set("limit", strconv.Itoa(c.BatchRevs))
			var ar AuditEntriesResponse
			rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
			err := c.h.call(rctx, "GET", "/v1/audit/entries?"+q.Encode(), nil, &ar)
			cancel()
			if err != nil {
				return err
			}
			if len(ar.Entries) == 0 {
				break
			}
			n := 0
			err = c.st.Update(func(tx *store.Tx) error {
				var err error
				n, err = tx.ImportAudit(s.Device, s.Name, ar.Entries)
				return err
			})
			if err != nil {
				return fmt.Errorf("the audit log of workstation %s from the server failed its check, so none of this batch was imported: %w", short(s.Device), err)
			}
			res.AuditPulled += n
			local.Seq = ar.Entries[len(ar.Entries)-1].Seq
		}
	}
	return nil
}
