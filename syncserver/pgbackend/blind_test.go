package pgbackend_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/pgtest"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncserver"
)

// serveHTTPS runs a sync server on backend b as chartkeeperd does: its
// self-signed certificate, HTTPS on loopback. It returns the URL and the
// certificate's fingerprint.
func serveHTTPS(t *testing.T, b syncserver.Backend) (string, string) {
	t.Helper()
	cert, fp, _, err := syncserver.LoadOrCreateCert(t.TempDir(), "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := syncserver.NewServer(b, syncserver.WithOpenRegistration())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: log.New(io.Discard, "", 0)}
	srv.RegisterOnShutdown(h.Close)
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "https://" + ln.Addr().String(), fp
}

// TestServerHoldsNothingReadable registers patients full of marker strings
// on one workstation, syncs them over HTTPS through a server on
// PostgreSQL to a second workstation that joins with an enrollment code,
// and then searches pg_dump's output of the server's database and every
// file of the PostgreSQL cluster for the markers and the patients' MRNs:
// none may be there.
func TestServerHoldsNothingReadable(t *testing.T) {
	ctx := context.Background()
	const pass = "correct horse battery"
	url := pgtest.NewDatabase(t)
	b := open(t, url)
	defer b.Close()
	srvURL, fp := serveHTTPS(t, b)

	a, _, err := chart.CreateStore(filepath.Join(t.TempDir(), "a"), store.NewPractice{Name: "Clinic Zqxmarkerclinic", AdminName: "Ada Zqxmarkeradmin", AdminUser: "admin", AdminPassword: []byte(pass)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.AddUser(store.NewUser{Username: "doc", Name: "Dr Zqxmarkerdoctor", Role: store.RoleClinician, Password: []byte(pass)}); err != nil {
		t.Fatal(err)
	}
	svc, err := chart.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	var pts []chart.Patient
	for i, given := range []string{"Zqxmarkergiven", "Ωμέγαμαρκερ", "Маркерович"} {
		pt, _, err := svc.RegisterPatient(chart.Patient{Family: "Zqxmarkerfamily", Given: given, DOB: "1961-06-0" + string(rune('1'+i)), Sex: chart.Female,
			Phone: "+1 555 0100 77" + string(rune('1'+i)), Address: chart.Address{Line: "1 Zqxmarkerstreet", City: "Zqxmarkercity"},
			Emergency: chart.Contact{Name: "Zqxmarkercontact", Phone: "+1 555 0199"}})
		if err != nil {
			t.Fatal(err)
		}
		pts = append(pts, pt)
	}
	a.Lock()
	if err := a.Unlock("doc", []byte(pass)); err != nil {
		t.Fatal(err)
	}
	v := chart.Visit{Meta: chart.Meta{Patient: pts[0].ID}, Date: "2026-05-01", Reason: "Zqxmarkerreason", Subjective: "Zqxmarkernote: cough for two weeks", Assessment: "Zqxmarkerdiagnosis"}
	if err := svc.SaveVisit(&v); err != nil {
		t.Fatal(err)
	}
	a.Lock()
	if err := a.Unlock("admin", []byte(pass)); err != nil {
		t.Fatal(err)
	}

	cfgA, err := syncclient.Register(ctx, a, srvURL, fp, syncclient.RegisterOptions{DeviceName: "front desk"})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := syncclient.NewClient(a, cfgA)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	if r, err := ca.RunOnce(ctx); err != nil || r.Pushed == 0 {
		t.Fatalf("first push: %+v %v", r, err)
	}
	code, _, err := syncclient.IssueEnrollment(ctx, a, cfgA, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bst, _, _, err := syncclient.Join(ctx, code, filepath.Join(t.TempDir(), "b"), syncclient.JoinOptions{DeviceName: "room 2", StoreOptions: chart.StoreOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer bst.Close()
	bst.Lock()
	if err := bst.Unlock("admin", []byte(pass)); err != nil {
		t.Fatal(err)
	}
	bsvc, err := chart.Open(bst)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range pts {
		// The second workstation has every patient: the data went through.
		id, err := bsvc.PatientByMRN(pt.MRN)
		if err != nil || id != pt.ID {
			t.Fatalf("patient %s on the joined workstation: %q %v", pt.MRN, id, err)
		}
	}

	markers := []string{"Zqxmarker", "zqxmarker", "ZQXMARKER", "Ωμέγαμαρκερ", "Маркерович", code}
	for _, pt := range pts {
		markers = append(markers, pt.MRN)
	}

	c := pgtest.Shared(t)
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	dump, err := c.Dump(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dump, []byte(cfgA.PracticeID)) || !bytes.Contains(dump, []byte("COPY public.ck_revs")) {
		t.Fatal("sanity: the dump should hold the practice ID and the revisions")
	}
	for _, m := range append(markers, "Clinic", "Ada", "patient", "visit", "Female", "1961-06-0") {
		if bytes.Contains(dump, []byte(m)) {
			t.Errorf("pg_dump of the server's database contains %q", m)
		}
	}

	// The cluster's files: tables, indexes, write-ahead log.
	if err := c.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	files := 0
	err = filepath.WalkDir(c.DataDir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, m := range markers {
			if bytes.Contains(raw, []byte(m)) {
				t.Errorf("%s contains %q", strings.TrimPrefix(path, c.DataDir()), m)
			}
		}
		if bytes.Contains(raw, []byte(cfgA.PracticeID)) {
			found[filepath.Base(filepath.Dir(path))] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatal("sanity: the practice ID should be in the cluster's files")
	}
	t.Logf("searched pg_dump (%d bytes) and %d files of the cluster", len(dump), files)
}
