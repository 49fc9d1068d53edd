package syncserver_test

import (
	"bytes"
	"errors"
	"net/url"
	"testing"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// entry makes stored bytes of the right shape (the server cannot open
// them anyway): link | filler.
func entry(link []byte, fill byte) []byte {
	return append(bytes.Clone(link), bytes.Repeat([]byte{fill}, 60)...)
}

func TestPlanAuditAppend(t *testing.T) {
	zero := make([]byte, store.AuditHashSize)
	e1 := entry(zero, 1)
	h1 := store.AuditEntryHash(1, e1)
	e2 := entry(h1[:], 2)
	h2 := store.AuditEntryHash(2, e2)
	held := map[uint64][]byte{1: e1, 2: e2}
	get := func(seq uint64) ([]byte, error) { return held[seq], nil }
	cur := syncproto.AuditStream{Seq: 2, Hash: h2[:]}
	e3 := entry(h2[:], 3)
	now := time.Now()
	for _, tc := range []struct {
		name    string
		req     syncproto.AuditPushRequest
		add     int
		refused bool
	}{
		{"continues", syncproto.AuditPushRequest{Head: 3, Entries: []store.AuditWire{{Seq: 3, Stored: e3}}}, 1, false},
		{"retry of held entries", syncproto.AuditPushRequest{Head: 3, Entries: []store.AuditWire{{Seq: 2, Stored: e2}, {Seq: 3, Stored: e3}}}, 1, false},
		{"up to date", syncproto.AuditPushRequest{Head: 2, Entries: []store.AuditWire{{Seq: 2, Stored: e2}}}, 0, false},
		{"different entry for a held sequence", syncproto.AuditPushRequest{Head: 2, Entries: []store.AuditWire{{Seq: 2, Stored: entry(h1[:], 9)}}}, 0, true},
		{"link to another chain", syncproto.AuditPushRequest{Head: 3, Entries: []store.AuditWire{{Seq: 3, Stored: entry(h1[:], 3)}}}, 0, true},
		{"cut short", syncproto.AuditPushRequest{Head: 1, Entries: []store.AuditWire{{Seq: 1, Stored: e1}}}, 0, true},
		{"empty log", syncproto.AuditPushRequest{Head: 0}, 0, true},
	} {
		add, next, err := syncserver.PlanAuditAppend(cur, tc.req, now, get)
		if tc.refused {
			if !errors.Is(err, syncproto.ErrAuditDiverged) || next.Refused == nil || next.Seq != 2 || len(add) != 0 {
				t.Errorf("%s: not refused: %v %+v", tc.name, err, next)
			}
			continue
		}
		if err != nil || len(add) != tc.add || next.Refused != nil {
			t.Errorf("%s: %v, %d to add", tc.name, err, len(add))
		}
	}
	// A gap is a malformed request, not a refusal to record.
	if _, _, err := syncserver.PlanAuditAppend(cur, syncproto.AuditPushRequest{Head: 4, Entries: []store.AuditWire{{Seq: 4, Stored: e3}}}, now, get); !errors.Is(err, syncproto.ErrBadRequest) {
		t.Errorf("gap: %v", err)
	}
}

func FuzzDecodeAuditPush(f *testing.F) {
	f.Add([]byte(`{"head":2,"entries":[{"seq":1,"stored":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},{"seq":2,"stored":"AAAA"}]}`))
	f.Add([]byte(`{"head":0,"entries":[]}`))
	f.Add([]byte(`{"head":1,"entries":[{"seq":0}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := syncserver.DecodeAuditPush(b)
		if err != nil {
			return
		}
		if len(req.Entries) > syncproto.MaxAuditPush {
			t.Fatal("too many entries accepted")
		}
		for i, e := range req.Entries {
			if e.Seq == 0 || i > 0 && e.Seq != req.Entries[i-1].Seq+1 || store.AuditLink(e.Stored) == nil ||
				len(e.Stored) > store.MaxAuditWireSize || req.Head < e.Seq {
				t.Fatalf("accepted %+v", e)
			}
		}
	})
}

func FuzzParseAuditQuery(f *testing.F) {
	f.Add("device=0123456789abcdef0123456789abcdef&since=5&limit=10")
	f.Add("device=x&since=-1")
	f.Add("limit=99999999999")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		aq, err := syncserver.ParseAuditQuery(v)
		if err != nil {
			return
		}
		if aq.Limit < 1 || aq.Limit > syncproto.MaxAuditPull || !store.ValidRecordID(aq.Device) {
			t.Fatalf("accepted %+v", aq)
		}
	})
}
