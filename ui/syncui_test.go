package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncserver/synctestserver"
)

// syncServer runs a sync server in the test process, on loopback HTTPS; stop
// ends it early.
func syncServer(t *testing.T) (url, fp string, stop func()) { return synctestserver.Start(t) }

// connected connects p's data folder to the server as the practice's first
// workstation, pushes everything and returns an enrollment code for a second.
func (p *practice) connect(t *testing.T, url, fp string) (code string) {
	t.Helper()
	st, err := chart.OpenStore(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Unlock("mlopez", []byte(testPassword)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg, err := syncclient.Register(ctx, st, url, fp, syncclient.RegisterOptions{DeviceName: "front desk PC"})
	if err != nil {
		t.Fatal(err)
	}
	p.sync(t, st, cfg)
	code, _, err = syncclient.IssueEnrollment(ctx, st, cfg, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (p *practice) sync(t *testing.T, st *store.Store, cfg syncclient.Config) {
	t.Helper()
	c, err := syncclient.NewClient(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// eventually waits up to 15 s for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15 s for %s", what)
		}
	}
}

func syncText(s *session) string {
	var text string
	fyne.DoAndWait(func() { text = s.sync.label.Text })
	return text
}

func TestSyncNotConnected(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	wantText(t, w.Content(), "Sync: not connected")
	if hasButton(w.Content(), "Sync now") {
		t.Fatal("Sync now offered without a server")
	}
	s.lock() // nothing to stop
}

// TestJoinAndSync: a new workstation joins with an enrollment code from the
// first-run screen, its users sign in with their own passwords, it shows
// the sync state, and a patient registered on the other workstation
// reaches its search while it is signed in.
func TestJoinAndSync(t *testing.T) {
	url, fp, stop := syncServer(t)
	p := newPractice(t)
	code := p.connect(t, url, fp)

	ws, w := open(t, t.TempDir())
	codeEntry := entryWith(t, w.Content(), "ck1.… (from Administration → Sync on a workstation of the practice)")

	// A mistyped code is caught before anything is sent.
	test.Type(codeEntry, code[:len(code)-3]+"AAA")
	test.Tap(button(t, w.Content(), "Join the practice"))
	wantText(t, w.Content(), "This is not a complete enrollment code")
	if ws.st != nil {
		t.Fatal("a bad code opened a store")
	}

	codeEntry.SetText(code[:40] + "\n" + code[40:]) // pasted over two lines
	test.Tap(button(t, w.Content(), "Join the practice"))
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	eventually(t, "the header to say up to date", func() bool { return syncText(s) == "Sync: up to date" })
	if !hasButton(w.Content(), "Sync now") {
		t.Fatal("no Sync now button")
	}
	hits, err := s.svc.Find("Okafor", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("the joined workstation finds %v, %v; want the practice's patient", hits, err)
	}

	// A patient registered on the first workstation arrives while signed in.
	st, err := chart.OpenStore(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Unlock("mlopez", []byte(testPassword)); err != nil {
		t.Fatal(err)
	}
	svc, err := chart.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.RegisterPatient(chart.Patient{Family: "Ngata-Testperson", Given: "Aroha", DOB: "1988-08-08", Sex: chart.Female}); err != nil {
		t.Fatal(err)
	}
	svc.Close()
	cfg, err := syncclient.LoadConfig(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	p.sync(t, st, cfg)
	eventually(t, "the new patient to reach the signed-in workstation", func() bool {
		hits, err := s.svc.Find("Ngata", 10)
		return err == nil && len(hits) == 1
	})

	// The server goes away: the header says so, and Sync now tries again.
	stop()
	test.Tap(button(t, w.Content(), "Sync now"))
	eventually(t, "the header to say offline", func() bool { return strings.HasPrefix(syncText(s), "Sync: offline since ") })
	if imp := s.sync.label.Importance; imp != widget.WarningImportance {
		t.Errorf("offline shown with importance %v", imp)
	}

	// Locking stops sync before the key is wiped.
	y := s.sync
	if ws.sess != s {
		t.Fatalf("session changed: %p %p", ws.sess, s)
	}
	s.lock()
	select {
	case <-y.done:
	default:
		t.Fatal("sync still running after the lock")
	}
}

// TestSyncAdmin: an HIM manager connects the workstation to a server from
// the Sync tab, adds a workstation with a code, and revokes it.
func TestSyncAdmin(t *testing.T) {
	url, fp, _ := syncServer(t)
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	s.adm.tabs.SelectIndex(adminSync)
	pane := s.adm.panes[adminSync]
	wantText(t, pane, "This workstation is not connected to a sync server.")

	server := entryWith(t, pane, "https://sync.example.org:8443")
	test.Type(server, url)
	fpEntry := entryWith(t, pane, "as chartkeeperd printed it; empty for a certificate from an authority")
	test.Type(fpEntry, synctestserver.WrongFingerprint(fp))
	test.Tap(button(t, pane, "Connect"))
	wantText(t, pane, "fingerprint") // the pinned certificate does not match
	if _, err := syncclient.LoadConfig(p.dir); err == nil {
		t.Fatal("a wrong fingerprint connected")
	}
	fpEntry.SetText(groupHex(fp)) // as chartkeeperd prints it
	test.Tap(button(t, pane, "Connect"))
	wantText(t, pane, "This workstation syncs with "+url+".")
	eventually(t, "the header to say up to date", func() bool { return syncText(s) == "Sync: up to date" })

	// Add a workstation: the code shown joins.
	test.Tap(button(t, pane, "Add a workstation…"))
	d := dialogOn(t, w)
	code := find(t, d, func(e *widget.Entry) bool { return strings.HasPrefix(e.Text, "ck1.") }).Text
	other := t.TempDir()
	st, _, _, err := syncclient.Join(context.Background(), code, other, syncclient.JoinOptions{DeviceName: "exam room", StoreOptions: chart.StoreOptions()})
	if err != nil {
		t.Fatalf("the code shown does not join: %v", err)
	}
	st.Close()
	test.Tap(button(t, d, "Done"))

	// The devices: this one marked, the new one revocable.
	test.Tap(button(t, pane, "Refresh"))
	wantText(t, pane, "· this workstation")
	test.Tap(button(t, pane, "Revoke…"))
	test.Tap(button(t, dialogOn(t, w), "Revoke exam room"))
	eventually(t, "the device list to show the revocation", func() bool {
		for _, l := range texts(pane) {
			if strings.HasPrefix(l, "exam room — ") && strings.Contains(l, ", revoked ") {
				return true
			}
		}
		return false
	})
	if hasButton(pane, "Revoke…") {
		t.Error("a revoked device, or this workstation, can still be revoked")
	}

	// What sync set aside: nothing yet, then an audit entry from the
	// exam room that did not open here.
	wantText(t, pane, "Nothing from the server has been set aside.")
	err = s.ws.st.Update(func(tx *store.Tx) error {
		_, err := tx.PutSetAside(store.SetAside{Kind: store.SetAsideAudit, Device: st.DeviceID(), ID: st.DeviceID(), Seq: 4, Reason: "was not sealed by this practice", Bytes: []byte("garbage")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.adm.refresh(adminSync)
	pane = s.adm.panes[adminSync]
	wantText(t, pane, "One item from the server failed its checks here and was not applied.")
	wantText(t, pane, "audit log entry from exam room\nWas not sealed by this practice.\nDevice "+st.DeviceID())
}
