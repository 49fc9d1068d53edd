package sync_test

import (
	"net/url"
	"testing"

	"chartkeeper/sync"
)

// The server's request decoders must never panic, and whatever they accept
// must be within the protocol's limits.

func FuzzDecodePush(f *testing.F) {
	f.Add([]byte(`{"revs":[{"id":"abc","rev":"1-00000000000000000000000000000001","sealed":"AAAA"}]}`))
	f.Add([]byte(`{"revs":[{"id":"abc","rev":"2-00000000000000000000000000000001","parents":["1-00000000000000000000000000000002"],"sealed":"AAAA"}]}`))
	f.Add([]byte(`{"revs":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := sync.DecodePush(b)
		if err != nil {
			return
		}
		if len(req.Revs) > sync.MaxPushRevs {
			t.Fatal("too many revisions accepted")
		}
		for _, r := range req.Revs {
			if r.Seq != 0 || r.Device != "" || len(r.Sealed) == 0 || r.RecordID == "" || len(r.Parents) > 64 {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}

func FuzzDecodeRegister(f *testing.F) {
	f.Add([]byte(`{"practice":"p1","device":"d1","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := sync.DecodeRegister(b); err == nil && (r.PracticeID == "" || r.DeviceID == "" || r.Token == "") {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzParseChangesQuery(f *testing.F) {
	f.Add("since=5&limit=10&wait=2.5")
	f.Add("since=-1")
	f.Add("wait=NaN&limit=99999999999")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		cq, err := sync.ParseChangesQuery(v)
		if err != nil {
			return
		}
		if cq.Limit < 1 || cq.Limit > sync.MaxPullLimit || cq.Wait < 0 || cq.Wait > sync.MaxLongPoll {
			t.Fatalf("accepted %+v", cq)
		}
	})
}

func FuzzDecodeEnroll(f *testing.F) {
	f.Add([]byte(`{"token_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","sealed":"AAAA","ttl_seconds":86400}`))
	f.Add([]byte(`{"practice":"p1","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","device":"d1","device_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Add([]byte(`{"ttl_seconds":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := sync.DecodeEnroll(b); err == nil && (len(r.TokenHash) != 32 || len(r.Sealed) == 0 ||
			r.TTLSeconds < int64(sync.MinEnrollTTL.Seconds()) || r.TTLSeconds > int64(sync.MaxEnrollTTL.Seconds())) {
			t.Fatalf("accepted %+v", r)
		}
		if r, err := sync.DecodeRedeem(b); err == nil && (r.PracticeID == "" || r.DeviceID == "" || r.Token == "" || r.DeviceToken == "") {
			t.Fatalf("accepted %+v", r)
		}
		if c, err := sync.ParseEnrollCode(string(b)); err == nil && (len(c.Seed) != 32 || c.PracticeID == "" || c.Server == "") {
			t.Fatalf("accepted %+v", c)
		}
	})
}
