package pgbackend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chartkeeper/internal/pgtest"
	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/backendtest"
	"chartkeeper/syncserver/pgbackend"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t testing.TB, url string) *pgbackend.Backend {
	t.Helper()
	b, err := pgbackend.Open(context.Background(), url, pgbackend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBackendSuite(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (syncserver.Backend, func() syncserver.Backend) {
		url := pgtest.NewDatabase(t)
		cur := open(t, url)
		t.Cleanup(func() { cur.Close() })
		return cur, func() syncserver.Backend {
			cur.Close()
			cur = open(t, url)
			return cur
		}
	})
}

var ctx = context.Background()

func device(id string) syncserver.Device {
	return syncserver.Device{ID: id, Name: "ws " + id, TokenHash: syncproto.HashToken("token-" + id), Created: time.Now().UTC()}
}

func rev(record string, gen int, parents ...string) syncproto.Rev {
	return syncproto.Rev{RecordID: record, Rev: fmt.Sprintf("%d-%s", gen, record), Parents: parents, Sealed: []byte("sealed " + record)}
}

// TestConcurrentPushers has 12 devices push batches at once, through two
// backends (two server processes) on one database: each device its own
// records in several generations, and all of them the same shared records.
// Every revision is stored once, the sequence runs 1..N without a gap or a
// repeat, and each record's revisions come in causal order.
func TestConcurrentPushers(t *testing.T) {
	url := pgtest.NewDatabase(t)
	b1, b2 := open(t, url), open(t, url)
	defer b1.Close()
	defer b2.Close()
	const devices, batches, perBatch, shared = 12, 6, 40, 30
	if err := b1.RegisterPractice(ctx, "prac", device("dev00"), syncserver.PracticeKeys{}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < devices; i++ {
		if err := b1.AddDevice(ctx, "prac", device(fmt.Sprintf("dev%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, devices)
	for d := range devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := []*pgbackend.Backend{b1, b2}[d%2]
			dev := fmt.Sprintf("dev%02d", d)
			for g := 1; g <= batches; g++ {
				var revs []syncproto.Rev
				for i := range perBatch {
					id := fmt.Sprintf("%s-r%02d", dev, i)
					r := rev(id, g)
					if g > 1 {
						r.Parents = []string{fmt.Sprintf("%d-%s", g-1, id)}
					}
					revs = append(revs, r)
				}
				// The same first revisions of shared records from everyone.
				for i := range shared {
					revs = append(revs, rev(fmt.Sprintf("shared-%02d", i), 1))
				}
				res, err := b.Push(ctx, "prac", dev, revs)
				if err != nil {
					errs <- err
					return
				}
				if res.Inserted+res.Existing != len(revs) || res.Inserted < perBatch {
					errs <- fmt.Errorf("%s batch %d: %+v", dev, g, res)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := devices*batches*perBatch + shared
	got, err := b2.Changes(ctx, "prac", 0, 1<<20, 1<<30, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Revs) != want || got.LastSeq != uint64(want) || got.More {
		t.Fatalf("%d revisions, last seq %d; want %d", len(got.Revs), got.LastSeq, want)
	}
	seen := map[string]bool{}
	for i, r := range got.Revs {
		if r.Seq != uint64(i+1) {
			t.Fatalf("revision %d has sequence %d", i, r.Seq)
		}
		key := r.RecordID + "/" + r.Rev
		if seen[key] {
			t.Fatalf("%s stored twice", key)
		}
		seen[key] = true
		for _, p := range r.Parents {
			if !seen[r.RecordID+"/"+p] {
				t.Fatalf("%s comes before its parent %s", key, p)
			}
		}
	}
	// A further push continues the sequence on either backend.
	res, err := b1.Push(ctx, "prac", "dev00", []syncproto.Rev{rev("late", 1)})
	if err != nil || res.LastSeq != uint64(want+1) {
		t.Fatalf("late push: %+v %v", res, err)
	}
}

// TestRemotePushWakesLongPoll runs two servers (as two chartkeeperd
// processes would) on one database: a long-poll waiting on the second is
// answered with a revision pushed through the first, long before its wait
// ends.
func TestRemotePushWakesLongPoll(t *testing.T) {
	url := pgtest.NewDatabase(t)
	b1, b2 := open(t, url), open(t, url)
	defer b1.Close()
	defer b2.Close()
	s1 := syncserver.NewServer(b1, syncserver.WithOpenRegistration())
	read := make(chan struct{}, 10)
	s2 := syncserver.NewServer(watched{b2, read}, syncserver.WithOpenRegistration())
	defer s1.Close()
	defer s2.Close()
	b2.OnRemotePush(s2.Wake)
	if b1.ServerID() != b2.ServerID() {
		t.Fatalf("two server IDs on one database: %s %s", b1.ServerID(), b2.ServerID())
	}
	tokA, tokB := syncproto.NewToken(), syncproto.NewToken()
	a, b := device("devA"), device("devB")
	a.TokenHash, b.TokenHash = syncproto.HashToken(tokA), syncproto.HashToken(tokB)
	creds := map[string]*store.DeviceCredentials{"devA": store.NewDeviceCredentials(tokA), "devB": store.NewDeviceCredentials(tokB)}
	a.PublicKey, b.PublicKey = creds["devA"].PublicKey(), creds["devB"].PublicKey()
	if err := b1.RegisterPractice(ctx, "prac", a, syncserver.PracticeKeys{}); err != nil {
		t.Fatal(err)
	}
	if err := b1.AddDevice(ctx, "prac", b); err != nil {
		t.Fatal(err)
	}
	req := func(method, path, dev, tok string, body []byte) *http.Request {
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		r.Header.Set(syncproto.HeaderPractice, "prac")
		r.Header.Set(syncproto.HeaderDevice, dev)
		r.Header.Set("Authorization", "Bearer "+tok)
		sig, err := syncproto.SignRequest(creds[dev], method, r.URL.RequestURI(), "prac", dev, body)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set(syncproto.HeaderSignature, sig)
		return r
	}

	type answer struct {
		code int
		res  syncproto.ChangesResponse
		took time.Duration
	}
	polled := make(chan answer, 1)
	go func() {
		w := httptest.NewRecorder()
		t0 := time.Now()
		s2.ServeHTTP(w, req("GET", "/v1/changes?since=0&wait=25", "devB", tokB, nil))
		var res syncproto.ChangesResponse
		json.Unmarshal(w.Body.Bytes(), &res)
		polled <- answer{w.Code, res, time.Since(t0)}
	}()
	// The long-poll has read and found nothing: it waits.
	<-read
	body, _ := json.Marshal(syncproto.PushRequest{Revs: []syncproto.Rev{{RecordID: strings.Repeat("a", 32), Rev: "1-" + strings.Repeat("b", 32), Sealed: []byte("sealed")}}})
	w := httptest.NewRecorder()
	s1.ServeHTTP(w, req("POST", "/v1/push", "devA", tokA, body))
	if w.Code != http.StatusOK {
		t.Fatalf("push: %d %s", w.Code, w.Body)
	}
	select {
	case a := <-polled:
		// Woken, the server reads again and answers with the revision; at
		// the end of its wait it would answer with none.
		if a.code != http.StatusOK || len(a.res.Revs) != 1 || a.res.Revs[0].Device != "devA" {
			t.Fatalf("long-poll answered %d %+v", a.code, a.res)
		}
		t.Logf("the long-poll on the other server answered %v after it began", a.took)
	case <-time.After(20 * time.Second):
		t.Fatal("a push through one server did not wake the long-poll on the other")
	}
}

// watched tells when Changes has read.
type watched struct {
	*pgbackend.Backend
	read chan<- struct{}
}

func (w watched) Changes(ctx context.Context, pid string, since uint64, limit, maxBytes int, skip string) (syncproto.ChangesResponse, error) {
	res, err := w.Backend.Changes(ctx, pid, since, limit, maxBytes, skip)
	w.read <- struct{}{}
	return res, err
}

// TestOpenTogether opens four backends at once on a new database: the
// schema is made once and they share one server ID.
func TestOpenTogether(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ids := make(chan string, 4)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			b, err := pgbackend.Open(ctx, url, pgbackend.Options{MaxConns: 2})
			if err != nil {
				errs <- err
				return
			}
			ids <- b.ServerID()
			b.Close()
		}()
	}
	var first string
	for range 4 {
		select {
		case err := <-errs:
			t.Fatal(err)
		case id := <-ids:
			if first == "" {
				first = id
			} else if id != first {
				t.Fatalf("server IDs %s and %s", first, id)
			}
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n, v int
	conn.QueryRow(ctx, `SELECT count(*), max(version) FROM ck_schema_version`).Scan(&n, &v)
	if n != v || v < 4 {
		t.Fatalf("schema versions: %d rows, latest %d", n, v)
	}
	// A database from a newer chartkeeperd is refused, not changed.
	if _, err := conn.Exec(ctx, `INSERT INTO ck_schema_version (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pgbackend.Open(ctx, url, pgbackend.Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("schema 99: %v", err)
	}
}

// TestWrongPassword: the message names the server and database, never the
// password.
func TestWrongPassword(t *testing.T) {
	url := pgtest.NewDatabase(t)
	c := pgtest.Shared(t)
	bad := strings.Replace(url, c.Password(), "Wrong-Secret-42", 1)
	_, err := pgbackend.Open(ctx, bad, pgbackend.Options{})
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if strings.Contains(err.Error(), "Wrong-Secret-42") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error: %v", err)
	}
	t.Logf("error: %v", err)
}

// TestListenerReconnects: when the listening connection is lost, the
// backend connects again, wakes every long-poll (notifications may have
// been missed meanwhile) and hears the next push.
func TestListenerReconnects(t *testing.T) {
	url := pgtest.NewDatabase(t)
	b1, b2 := open(t, url), open(t, url)
	defer b1.Close()
	defer b2.Close()
	heard := make(chan string, 10)
	b2.OnRemotePush(func(p string) { heard <- p })
	if err := b1.RegisterPractice(ctx, "prac", device("devA"), syncserver.PracticeKeys{}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN chartkeeper_push'`).Scan(&n)
	if err != nil || n != 2 {
		t.Fatalf("ended %d listening sessions: %v", n, err)
	}
	want := func(p string) {
		t.Helper()
		select {
		case got := <-heard:
			if got != p {
				t.Fatalf("heard %q, want %q", got, p)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("heard nothing; want %q", p)
		}
	}
	want("") // back, and everyone woken
	if _, err := b1.Push(ctx, "prac", "devA", []syncproto.Rev{rev("rec", 1)}); err != nil {
		t.Fatal(err)
	}
	want("prac")
}
