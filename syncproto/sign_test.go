package syncproto_test

import (
	"bytes"
	"errors"
	"testing"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

func TestRequestSignature(t *testing.T) {
	c := store.NewDeviceCredentials(syncproto.NewToken())
	body := []byte(`{"revs":[]}`)
	sig, err := syncproto.SignRequest(c, "POST", "/v1/push", "p1", "d1", body)
	if err != nil {
		t.Fatal(err)
	}
	pub := c.PublicKey()
	if err := syncproto.VerifyRequest(pub, sig, "POST", "/v1/push", "p1", "d1", body); err != nil {
		t.Fatal(err)
	}
	if err := syncproto.VerifyRequest(pub, "", "POST", "/v1/push", "p1", "d1", body); !errors.Is(err, syncproto.ErrUnsigned) {
		t.Fatalf("no signature: %v", err)
	}
	for name, args := range map[string][5]string{
		"method":   {"PUT", "/v1/push", "p1", "d1", string(body)},
		"path":     {"POST", "/v1/audit/push", "p1", "d1", string(body)},
		"query":    {"POST", "/v1/push?x=1", "p1", "d1", string(body)},
		"practice": {"POST", "/v1/push", "p2", "d1", string(body)},
		"device":   {"POST", "/v1/push", "p1", "d2", string(body)},
		"body":     {"POST", "/v1/push", "p1", "d1", `{"revs":[ ]}`},
		// The fields are length-prefixed: bytes cannot move between them.
		"split": {"POST", "/v1/pus", "hp1", "d1", string(body)},
	} {
		if err := syncproto.VerifyRequest(pub, sig, args[0], args[1], args[2], args[3], []byte(args[4])); !errors.Is(err, syncproto.ErrBadSignature) {
			t.Errorf("another %s: %v", name, err)
		}
	}
	if err := syncproto.VerifyRequest(pub, sig+"A", "POST", "/v1/push", "p1", "d1", body); !errors.Is(err, syncproto.ErrBadSignature) {
		t.Errorf("a damaged signature: %v", err)
	}
	// The message's layout is fixed by the protocol (docs/SYNC.md).
	want := []byte("\x04POST\x08/v1/push\x02p1\x02d1")
	if m := syncproto.RequestMessage("POST", "/v1/push", "p1", "d1", nil); !bytes.HasPrefix(m, want) || len(m) != len(want)+32 {
		t.Fatalf("message %q", m)
	}
}

// BenchmarkSignVerifyPush signs and verifies one push of 2,000 revisions
// of about 500 bytes (1 MB of JSON), as a device and the server do per
// batch.
func BenchmarkSignVerifyPush(b *testing.B) {
	c := store.NewDeviceCredentials(syncproto.NewToken())
	pub := c.PublicKey()
	body := bytes.Repeat([]byte("x"), 1<<20)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		sig, err := syncproto.SignRequest(c, "POST", "/v1/push", "p1", "d1", body)
		if err != nil {
			b.Fatal(err)
		}
		if err := syncproto.VerifyRequest(pub, sig, "POST", "/v1/push", "p1", "d1", body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignVerifyEmpty is the same for a request without a body (a
// pull): the cost of the signature alone.
func BenchmarkSignVerifyEmpty(b *testing.B) {
	c := store.NewDeviceCredentials(syncproto.NewToken())
	pub := c.PublicKey()
	for b.Loop() {
		sig, _ := syncproto.SignRequest(c, "GET", "/v1/changes?since=1", "p1", "d1", nil)
		if err := syncproto.VerifyRequest(pub, sig, "GET", "/v1/changes?since=1", "p1", "d1", nil); err != nil {
			b.Fatal(err)
		}
	}
}
