package syncclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// Disabling an HIM manager replaces the practice's administration key.
// The workstation that did it gives the server the new key, signed by the
// old one, at its next sync; the server refuses a new key signed by
// neither, and, once it holds the new one, a change the old key signs (the
// removed HIM manager's copy of it). The records the new key signed again
// reach the other workstation, whose HIM manager then writes with the new
// key; a revocation signed by it is taken by the server.
func TestAdminKeyChangeThroughSync(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t)
	ws := newPractice(t, ts, 3)
	a, b, c := ws[0], ws[1], ws[2]
	const pw = "Velvet-Canyon-Mosaic-19"
	for _, u := range []store.NewUser{
		{Username: "him2", Name: "Him Testtwo Ñúñez", Role: store.RoleHIM},
		{Username: "desk", Name: "Desk Testone", Role: store.RoleFrontDesk},
	} {
		u.Password = []byte(pw)
		if _, err := a.st.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, a, b, c)
	serverKey := func() []byte {
		t.Helper()
		keys, err := syncclient.PracticeKeys(ctx, a.cfg)
		if err != nil {
			t.Fatal(err)
		}
		return keys.AdminKey
	}
	oldPub := a.st.AdminPublicKey()
	if !bytes.Equal(serverKey(), oldPub) {
		t.Fatal("the server does not hold the practice's administration key")
	}
	pid := a.cfg.PracticeID
	rogue := testpractice.New(t, testpractice.Config{}).Store
	rogueKey := rogue.AdminPublicKey()
	at := time.Now().Add(time.Minute)
	// What the HIM manager about to be removed could sign with the key
	// they hold: a change to a key of their own.
	capturedSig, err := a.st.SignAdmin(store.AdminKeyPurpose, store.AdminKeyMessage(pid, rogueKey, at))
	if err != nil {
		t.Fatal(err)
	}
	change := func(sig []byte) int {
		t.Helper()
		body, _ := json.Marshal(syncproto.PracticeKeysRequest{AdminKey: rogueKey, ChangedAt: at.Unix(), PreviousSig: sig})
		code, _ := blobRequest(t, ts, c.cfg, "POST", "/v1/practice/keys", body)
		return code
	}

	if err := a.st.DisableUser("him2"); err != nil {
		t.Fatal(err)
	}
	newPub := a.st.AdminPublicKey()
	if bytes.Equal(newPub, oldPub) || len(a.st.PendingAdminKeys()) != 1 {
		t.Fatalf("the administration key did not change (%d pending)", len(a.st.PendingAdminKeys()))
	}
	// Signed by neither key.
	rogueSig, err := rogue.SignAdmin(store.AdminKeyPurpose, store.AdminKeyMessage(pid, rogueKey, at))
	if err != nil {
		t.Fatal(err)
	}
	if code := change(rogueSig); code != http.StatusForbidden {
		t.Errorf("a new key signed by neither key: %d", code)
	}
	if !bytes.Equal(serverKey(), oldPub) {
		t.Fatal("the server's key changed")
	}

	syncAll(t, a, b, c)
	if !bytes.Equal(serverKey(), newPub) {
		t.Fatal("the server did not take the new key signed by the old one")
	}
	if n := len(a.st.PendingAdminKeys()); n != 0 {
		t.Errorf("%d changes still pending after the server took them", n)
	}
	if code := change(capturedSig); code != http.StatusForbidden {
		t.Errorf("a change signed by the replaced key after the server took the new one: %d", code)
	}
	if !bytes.Equal(serverKey(), newPub) {
		t.Fatal("the replaced key changed the server's key")
	}

	// The other workstation's HIM manager writes with the new key.
	b.st.Lock()
	if err := b.st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.st.AdminPublicKey(), newPub) {
		t.Fatal("the other workstation did not take the new key")
	}
	if err := b.st.SetRole("desk", store.RoleCoder); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b, c)
	users, err := a.st.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == "desk" && u.Role != store.RoleCoder {
			t.Errorf("the role set on the other workstation did not arrive: %s", u.Role)
		}
	}
	// A revocation signed by the new key.
	if err := syncclient.RevokeDevice(ctx, b.cfg, c.st.DeviceID()); err != nil {
		t.Fatalf("revoking with the new key: %v", err)
	}
	for _, w := range []*workstation{a, b} {
		if items, err := w.st.SetAsideItems(); err != nil || len(items) != 0 {
			t.Fatalf("%d items set aside: %v", len(items), err)
		}
		if rep, err := w.st.Verify(); err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}
