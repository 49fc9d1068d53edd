package syncserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// The audit stream handlers (see "Audit log" in docs/SYNC.md; the paths
// are in syncproto), the append rule every backend applies, and the audit
// request decoders.

// AuditQuery is a parsed GET /v1/audit/entries query.
type AuditQuery struct {
	Device string
	Since  uint64
	Limit  int
}

// PlanAuditAppend decides a push against a stream's state cur: it returns
// the entries to store and the stream's new state. held returns the stored
// bytes of an entry the stream already has. Entries the server already
// holds must be byte for byte the same (a retry); the first new one must
// carry the hash of the last held one; and the device's head may not be
// behind the server's copy. Otherwise the error wraps ErrAuditDiverged and
// next.Refused says why (the first refusal is kept).
func PlanAuditAppend(cur syncproto.AuditStream, req syncproto.AuditPushRequest, now time.Time, held func(seq uint64) ([]byte, error)) (add []store.AuditWire, next syncproto.AuditStream, err error) {
	next = cur
	refuse := func(seq uint64, reason string) ([]store.AuditWire, syncproto.AuditStream, error) {
		out := cur
		if out.Refused == nil {
			out.Refused = &syncproto.AuditRefusal{At: now.UTC(), Seq: seq, Reason: reason}
		}
		return nil, out, fmt.Errorf("%w (%s)", syncproto.ErrAuditDiverged, reason)
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
			return nil, cur, fmt.Errorf("%w: audit entry %d would leave a gap after %d", syncproto.ErrBadRequest, e.Seq, next.Seq)
		}
	}
	if req.Head < next.Seq {
		return refuse(req.Head, fmt.Sprintf("the log here ends at entry %d but the server holds %d entries of it", req.Head, next.Seq))
	}
	return add, next, nil
}

// DecodeAuditPush parses and checks an audit push body.
func DecodeAuditPush(body []byte) (syncproto.AuditPushRequest, error) {
	var req syncproto.AuditPushRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	if len(req.Entries) > syncproto.MaxAuditPush {
		return req, fmt.Errorf("%w: more than %d audit entries in one push", syncproto.ErrBadRequest, syncproto.MaxAuditPush)
	}
	for i, e := range req.Entries {
		if e.Seq == 0 || (i > 0 && e.Seq != req.Entries[i-1].Seq+1) {
			return req, fmt.Errorf("%w: audit entries must be consecutive", syncproto.ErrBadRequest)
		}
		if store.AuditLink(e.Stored) == nil || len(e.Stored) > store.MaxAuditWireSize {
			return req, fmt.Errorf("%w: audit entry %d of %d bytes", syncproto.ErrBadRequest, e.Seq, len(e.Stored))
		}
	}
	if n := len(req.Entries); n > 0 && req.Head < req.Entries[n-1].Seq {
		return req, fmt.Errorf("%w: audit head before the last entry sent", syncproto.ErrBadRequest)
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
			return aq, fmt.Errorf("%w: since", syncproto.ErrBadRequest)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return aq, fmt.Errorf("%w: limit", syncproto.ErrBadRequest)
		}
		aq.Limit = min(n, syncproto.MaxAuditPull)
	}
	return aq, nil
}

// registerAudit adds the audit paths to the server's routes.
func (s *Server) registerAudit() {
	s.mux.HandleFunc("GET /v1/audit/streams", s.authed(0, s.auditStreams))
	s.mux.HandleFunc("POST /v1/audit/push", s.authed(syncproto.MaxAuditPushBytes, s.auditPush))
	s.mux.HandleFunc("GET /v1/audit/entries", s.authed(0, s.auditEntries))
}

func (s *Server) auditStreams(w http.ResponseWriter, r *http.Request, ai authInfo) {
	st, err := s.b.AuditStreams(r.Context(), ai.practice)
	if err != nil {
		s.fail(w, err)
		return
	}
	if st == nil {
		st = []syncproto.AuditStream{}
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) auditPush(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, syncproto.MaxAuditPushBytes, DecodeAuditPush)
	if !ok {
		return
	}
	res, err := s.b.AppendAudit(r.Context(), ai.practice, ai.device, req, s.now())
	// The device's state is judged after the append, so that a log rolled
	// back is still refused and noted on its stream, where the other
	// workstations learn of it (devicestate.go).
	if (err == nil || errors.Is(err, syncproto.ErrAuditDiverged)) && !s.deviceState(w, r, ai, req.State, false) {
		return
	}
	if errors.Is(err, syncproto.ErrAuditDiverged) {
		if s.logger != nil {
			s.logger.Warn("audit log refused", "practice", syncproto.ShortID(ai.practice), "device", syncproto.ShortID(ai.device))
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
	q, err := ParseAuditQuery(r.URL.Query())
	if err != nil {
		s.fail(w, err)
		return
	}
	res, err := s.b.AuditEntries(r.Context(), ai.practice, q.Device, q.Since, q.Limit, syncproto.MaxPullBytes)
	if err != nil {
		s.fail(w, err)
		return
	}
	if res.Entries == nil {
		res.Entries = []store.AuditWire{}
	}
	writeJSON(w, http.StatusOK, res)
}
