package main

import (
	"regexp"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncserver/synctestserver"
)

// syncServer runs the sync server in the test process on loopback.
func syncServer(t *testing.T) (url, fp string) {
	url, fp, _ = synctestserver.Start(t)
	return url, fp
}

func TestSync(t *testing.T) {
	url, fp := syncServer(t)
	p := newPractice(t)
	wantCode(t, "sync before connecting", p.admin("sync"), 2)
	r := p.admin("patient", "add", "--family", "Synctest", "--given", "Ana", "--dob", "1980-02-03", "--sex", "female")
	wantCode(t, "patient add", r, 0)
	r = p.admin("sync", "--server", url, "--fingerprint", synctestserver.WrongFingerprint(fp))
	wantCode(t, "sync with a wrong fingerprint", r, 1)
	wantOutput(t, "sync with a wrong fingerprint", r, "fingerprint")
	r = p.admin("sync", "--server", url, "--fingerprint", fp)
	wantCode(t, "first sync", r, 0)
	wantOutput(t, "first sync", r, "registered the practice", "up to date")
	if !regexp.MustCompile(`pushed [1-9][0-9]* revisions`).MatchString(r.stdout) {
		t.Fatalf("first sync pushed nothing:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`audit entries: sent [1-9][0-9]*, fetched 0`).MatchString(r.stdout) {
		t.Fatalf("first sync sent no audit entries:\n%s", r.stdout)
	}
	r = p.admin("sync")
	wantCode(t, "second sync", r, 0)
	wantOutput(t, "second sync", r, "pushed 0 revisions (0 sent), pulled 0 (0 received)", "up to date")
	if _, err := syncclient.LoadConfig(p.dir); err != nil {
		t.Fatal(err)
	}
}

// ckadmin sync set-aside lists, for HIM managers only, what sync set
// aside on this workstation.
func TestSyncSetAside(t *testing.T) {
	p := newPractice(t)
	r := p.admin("sync", "set-aside")
	wantCode(t, "nothing set aside", r, 0)
	wantOutput(t, "nothing set aside", r, "nothing set aside")
	s, err := chart.OpenStore(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	dev := store.NewID()
	err = s.Update(func(tx *store.Tx) error {
		_, err := tx.PutSetAside(store.SetAside{Kind: store.SetAsideRevision, Device: dev, ID: store.NewID(), Rev: "1-00", Seq: 12, Reason: "was not sealed by this practice for this record and revision", Bytes: []byte("garbage")})
		return err
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	r = p.admin("sync", "set-aside")
	wantCode(t, "set aside", r, 0)
	wantOutput(t, "set aside", r, "record change", dev, dev[:8], "Was not sealed by this practice")
	p.addStaff()
	r = p.as("doc", userPass, "sync", "set-aside", "--data", p.dir)
	wantCode(t, "a clinician", r, 3)
	wantOutput(t, "a clinician", r, "only health information managers")
}
