package syncserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// TestDeviceKeyRegisteredOnce: a device enrolled before devices had keys
// is refused everything until it registers a key, which it may do once,
// signed with that key; the same key again is fine, another never is.
func TestDeviceKeyRegisteredOnce(t *testing.T) {
	b, err := boltbackend.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := syncserver.NewServer(b)
	defer s.Close()
	d := newDevice()
	if err := b.RegisterPractice(context.Background(), d.practice, syncserver.Device{ID: d.id, TokenHash: syncproto.HashToken(d.token), Created: time.Now()}, syncserver.PracticeKeys{}); err != nil {
		t.Fatal(err)
	}
	push, _ := json.Marshal(syncproto.PushRequest{})
	if w := do(s, "POST", "/v1/push", push, &d); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), syncproto.ErrNoDeviceKey.Error()) {
		t.Fatalf("a keyless device's push: %d %s", w.Code, w.Body)
	}
	keyOf := func(c *store.DeviceCredentials) []byte {
		b, _ := json.Marshal(syncproto.DeviceKeyRequest{PublicKey: c.PublicKey()})
		return b
	}
	// Signed with another key than the one named: refused.
	other := d
	other.cred = store.NewDeviceCredentials(d.token)
	if w := do(s, "POST", "/v1/devices/key", keyOf(d.cred), &other); w.Code != http.StatusForbidden {
		t.Fatalf("a key registration signed with another key: %d %s", w.Code, w.Body)
	}
	for range 2 {
		if w := do(s, "POST", "/v1/devices/key", keyOf(d.cred), &d); w.Code != http.StatusOK {
			t.Fatalf("registering the device's key: %d %s", w.Code, w.Body)
		}
	}
	// Another key, even signed with the registered one: refused for good.
	if w := do(s, "POST", "/v1/devices/key", keyOf(other.cred), &d); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "another signing key") {
		t.Fatalf("a second key signed with the first: %d %s", w.Code, w.Body)
	}
	if w := do(s, "POST", "/v1/devices/key", keyOf(other.cred), &other); w.Code != http.StatusForbidden {
		t.Fatalf("a second key signed with itself: %d %s", w.Code, w.Body)
	}
	if w := do(s, "POST", "/v1/push", push, &d); w.Code != http.StatusOK {
		t.Fatalf("the device's signed push: %d %s", w.Code, w.Body)
	}
	if w := do(s, "POST", "/v1/push", push, &other); w.Code != http.StatusForbidden {
		t.Fatalf("a push signed with another key: %d %s", w.Code, w.Body)
	}
	var ds []syncproto.DeviceInfo
	w := do(s, "GET", "/v1/devices", nil, &d)
	if json.Unmarshal(w.Body.Bytes(), &ds); len(ds) != 1 || ds[0].Keyless {
		t.Fatalf("devices: %s", w.Body)
	}
}
