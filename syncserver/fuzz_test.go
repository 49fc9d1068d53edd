package syncserver_test

import (
	"net/url"
	"testing"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// The server's request decoders must never panic, and whatever they accept
// must be within the protocol's limits.

func FuzzDecodePush(f *testing.F) {
	f.Add([]byte(`{"revs":[{"id":"abc","rev":"1-00000000000000000000000000000001","sealed":"AAAA"}]}`))
	f.Add([]byte(`{"revs":[{"id":"abc","rev":"2-00000000000000000000000000000001","parents":["1-00000000000000000000000000000002"],"sealed":"AAAA"}]}`))
	f.Add([]byte(`{"revs":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := syncserver.DecodePush(b)
		if err != nil {
			return
		}
		if len(req.Revs) > syncproto.MaxPushRevs {
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
		if r, err := syncserver.DecodeRegister(b); err == nil && (r.PracticeID == "" || r.DeviceID == "" || r.Token == "" || len(r.PublicKey) != 32 ||
			len(r.AdminKey) != 0 && len(r.AdminKey) != 32 || len(r.RecoveryKey) != 0 && len(r.RecoveryKey) != 32) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzDecodeDeviceKey(f *testing.F) {
	f.Add([]byte(`{"public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`))
	f.Add([]byte(`{"public_key":"AAAA"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := syncserver.DecodeDeviceKey(b); err == nil && len(r.PublicKey) != 32 {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzDecodePracticeKeys(f *testing.F) {
	f.Add([]byte(`{"admin_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","recovery_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","issued_at":1}`))
	f.Add([]byte(`{"admin_key":"AAAA"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"admin_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","changed_at":1,"previous_sig":"AAAA"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := syncserver.DecodePracticeKeys(b)
		if err != nil {
			return
		}
		// Both keys, or a change of the administration key with its time
		// and the replaced key's signature.
		if len(r.AdminKey) != 32 || len(r.RecoveryKey) != 32 && (len(r.PreviousSig) == 0 || r.ChangedAt <= 0) {
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
		cq, err := syncserver.ParseChangesQuery(v)
		if err != nil {
			return
		}
		if cq.Limit < 1 || cq.Limit > syncproto.MaxPullLimit || cq.Wait < 0 || cq.Wait > syncproto.MaxLongPoll {
			t.Fatalf("accepted %+v", cq)
		}
	})
}

func FuzzDecodeEnroll(f *testing.F) {
	f.Add([]byte(`{"token_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","sealed":"AAAA","ttl_seconds":86400}`))
	f.Add([]byte(`{"practice":"p1","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","device":"d1","device_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Add([]byte(`{"ttl_seconds":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := syncserver.DecodeEnroll(b); err == nil && (len(r.TokenHash) != 32 || len(r.Sealed) == 0 ||
			r.TTLSeconds < int64(syncproto.MinEnrollTTL.Seconds()) || r.TTLSeconds > int64(syncproto.MaxEnrollTTL.Seconds())) {
			t.Fatalf("accepted %+v", r)
		}
		if r, err := syncserver.DecodeRedeem(b); err == nil && (r.PracticeID == "" || r.DeviceID == "" || r.Token == "" || r.DeviceToken == "") {
			t.Fatalf("accepted %+v", r)
		}
	})
}
