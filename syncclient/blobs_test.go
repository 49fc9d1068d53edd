package syncclient_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/chart"
	"chartkeeper/internal/pgtest"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver/boltbackend"
)

const blobMarker = "ZEBRA-QUILL-7731-document-marker"

// docContent is n bytes of fake scanned content, the marker in every
// 256 KiB.
func docContent(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	for i := 0; i+len(blobMarker) < n; i += 256 << 10 {
		copy(b[i:], blobMarker)
	}
	return b
}

// fileDocument puts content into the inbox of w's chart service.
func fileDocument(t testing.TB, w *workstation, content []byte) chart.Document {
	t.Helper()
	svc, err := chart.Open(w.st)
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.AddDocument(bytes.NewReader(content), chart.Document{ContentType: "application/pdf", Source: "scan.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func readDocument(t testing.TB, w *workstation, id string) []byte {
	t.Helper()
	svc, err := chart.Open(w.st)
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := svc.OpenDocument(id)
	if err != nil {
		t.Fatalf("opening the document: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading the document: %v", err)
	}
	return b
}

// counter counts requests by "METHOD kind" (kind: begin, chunk, header,
// feed) and can fail chosen ones with 503 before they reach the server.
type counter struct {
	mu    sync.Mutex
	n     map[string]int
	fail  func(key string, n int) bool // n: how many of key came before
	other atomic.Int64
}

func blobKind(path string) string {
	switch {
	case path == "/v1/blobs":
		return "feed"
	case !strings.HasPrefix(path, "/v1/blobs/"):
		return ""
	case strings.Contains(path, "/chunks/"):
		return "chunk"
	case strings.HasSuffix(path, "/header"):
		return "header"
	case strings.HasSuffix(path, "/begin"):
		return "begin"
	}
	return ""
}

func (c *counter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := blobKind(r.URL.Path)
		if kind == "" {
			c.other.Add(1)
			h.ServeHTTP(w, r)
			return
		}
		key := r.Method + " " + kind
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		before := c.n[key]
		c.n[key]++
		fail := c.fail != nil && c.fail(key, before)
		c.mu.Unlock()
		if fail {
			http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func (c *counter) reset(fail func(string, int) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.fail = nil, fail
}

// A 5 MiB document filed on A is readable, byte-identical, on B after
// sync, and nothing of it is readable in the server's file.
func TestBlobSyncDocument(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	content := docContent(5<<20, 1)
	d := fileDocument(t, a, content)

	ra := a.sync(t)
	if ra.BlobsPushed != 1 {
		t.Fatalf("A pushed %d documents, want 1", ra.BlobsPushed)
	}
	rb := b.sync(t)
	if rb.BlobsPulled != 1 {
		t.Fatalf("B fetched %d documents, want 1", rb.BlobsPulled)
	}
	if got := readDocument(t, b, d.ID); !bytes.Equal(got, content) {
		t.Fatalf("B read %d bytes that differ from the %d filed on A", len(got), len(content))
	}
	// Nothing moves a second time.
	if r := a.sync(t); r.BlobsPushed != 0 || r.BlobsPulled != 0 {
		t.Fatalf("A moved documents again: %+v", r)
	}
	if r := b.sync(t); r.BlobsPushed != 0 || r.BlobsPulled != 0 {
		t.Fatalf("B moved documents again: %+v", r)
	}
	rep, err := b.st.Verify()
	if err != nil || len(rep.Problems) > 0 || len(rep.Incomplete) > 0 {
		t.Fatalf("B's store after sync: %v %+v", err, rep)
	}

	if blobsOnPostgres {
		return // the blindness of the PostgreSQL backend: pgbackend's blind_test.go
	}
	// Blindness: the server's file holds no trace of the content.
	ts.stop()
	raw, err := os.ReadFile(filepath.Join(ts.dir, boltbackend.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(blobMarker)) || bytes.Contains(raw, content[1000:1064]) {
		t.Fatal("the server's file holds document content in clear")
	}
	if !bytes.Contains(raw, []byte(d.Blob)) {
		t.Fatal("the server's file does not hold the blob at all (the check above proves nothing)")
	}
	ts.start()
}

// An upload interrupted after two chunks resumes without sending them
// again, and the blob is not visible to B until it is committed.
func TestBlobUploadResumes(t *testing.T) {
	ts := startServer(t)
	var c counter
	ts.wrap = c.wrap
	ts.restart()
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	content := docContent(5<<20, 2)
	d := fileDocument(t, a, content)

	c.reset(func(key string, n int) bool { return key == "PUT chunk" && n == 2 })
	if _, err := a.c.RunOnce(context.Background()); err == nil {
		t.Fatal("the interrupted upload reported no error")
	}
	if got := c.get("PUT chunk"); got != 3 {
		t.Fatalf("%d chunk uploads before the failure, want 3 (2 stored, 1 refused)", got)
	}
	// B sees neither the record (pushed after the document) nor the blob.
	b.sync(t)
	if ok, _ := b.st.HasBlob(d.Blob); ok {
		t.Fatal("a half-uploaded document is visible to B")
	}

	c.reset(nil)
	r := a.sync(t)
	if r.BlobsPushed != 1 {
		t.Fatalf("A pushed %d documents on resume, want 1", r.BlobsPushed)
	}
	if got := c.get("PUT chunk"); got != 3 {
		t.Fatalf("resume sent %d chunks, want 3 (the 2 already stored were sent again)", got)
	}
	b.sync(t)
	if got := readDocument(t, b, d.ID); !bytes.Equal(got, content) {
		t.Fatal("B's copy differs")
	}
}

// A download interrupted midway leaves no visible blob and resumes, after
// a restart of the workstation, from the chunks it had.
func TestBlobDownloadResumes(t *testing.T) {
	ts := startServer(t)
	var c counter
	ts.wrap = c.wrap
	ts.restart()
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	content := docContent(5<<20, 3)
	d := fileDocument(t, a, content)
	a.sync(t)

	c.reset(func(key string, n int) bool { return key == "GET chunk" && n == 3 })
	if _, err := b.c.RunOnce(context.Background()); err == nil {
		t.Fatal("the interrupted download reported no error")
	}
	if ok, _ := b.st.HasBlob(d.Blob); ok {
		t.Fatal("a half-downloaded document is visible")
	}
	if _, err := b.st.BlobInfo(d.Blob); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("BlobInfo of a half-downloaded document: %v", err)
	}
	if _, _, err := b.st.OpenBlob(d.Blob); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("OpenBlob of a half-downloaded document: %v", err)
	}

	// Restart B: close and reopen its store and client.
	dir := b.st.Dir()
	b.c.Close()
	b.st.Close()
	st, err := chart.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	cl, err := syncclient.NewClient(st, b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	b.st, b.c = st, cl

	c.reset(nil)
	if r := b.sync(t); r.BlobsPulled != 1 {
		t.Fatalf("B fetched %d documents on resume, want 1", r.BlobsPulled)
	}
	if got := c.get("GET chunk"); got != 2 {
		t.Fatalf("resume fetched %d chunks, want 2 (the 3 already stored were fetched again)", got)
	}
	if got := readDocument(t, b, d.ID); !bytes.Equal(got, content) {
		t.Fatal("B's copy differs")
	}
}

// A chunk changed on the server is refused by B with a clear error and
// nothing of the blob stays in B's store.
func TestBlobTamperedOnServer(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	d := fileDocument(t, a, docContent(3<<20+123, 4))
	a.sync(t)

	// Flip one byte of chunk 2's sealed bytes in the server's file.
	ts.stop()
	db, err := bolt.Open(filepath.Join(ts.dir, boltbackend.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		data := tx.Bucket([]byte("p")).Bucket([]byte(a.st.PracticeID())).Bucket([]byte("blobdata"))
		k := binary.BigEndian.AppendUint32(append([]byte(d.Blob), 0, 'c'), 1)
		v := bytes.Clone(data.Get(k))
		if v == nil {
			return errors.New("chunk not found in the server's file")
		}
		v[len(v)/2] ^= 0x20
		return data.Put(k, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	ts.start()

	r, err := b.c.RunOnce(context.Background())
	if err != nil || r.SetAside != 1 || r.BlobsPulled != 0 {
		t.Fatalf("B's sync: %v, %+v", err, r)
	}
	if st := b.c.Status(); st.State == syncclient.StateError {
		t.Fatalf("status %v", st)
	}
	items, err := b.st.SetAsideItems()
	if err != nil || len(items) != 1 || items[0].Kind != store.SetAsideChunk || items[0].ID != d.Blob || items[0].Seq != 1 || items[0].Device != a.cfg.DeviceID {
		t.Fatalf("set aside %+v %v", items, err)
	}
	// Passed over for good: not downloaded again.
	if r := b.sync(t); r.SetAside != 0 || r.BlobsPulled != 0 {
		t.Fatalf("again: %+v", r)
	}
	if ok, _ := b.st.HasBlob(d.Blob); ok {
		t.Fatal("the tampered document is visible")
	}
	rep, err := b.st.Verify()
	if err != nil || len(rep.Incomplete) > 0 {
		t.Fatalf("parts of the tampered document stayed in B's store: %v %v", err, rep.Incomplete)
	}
}

// In background sync a document filed on A reaches B without anyone
// asking: A pushes it before the record, B's long-poll wakes on the record
// and B fetches the document once it has caught up.
func TestBlobBackgroundSync(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	for _, w := range ws {
		w.c.LongPoll = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); w.c.Run(ctx) }()
	}
	time.Sleep(200 * time.Millisecond) // both loops idle in their long-polls
	content := docContent(2<<20+99, 7)
	d := fileDocument(t, a, content)
	deadline := time.Now().Add(4 * time.Second) // under the long-poll's wait
	for {
		if ok, _ := b.st.HasBlob(d.Blob); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the document did not reach B in background sync; B's status: %v", b.c.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := readDocument(t, b, d.ID); !bytes.Equal(got, content) {
		t.Fatal("B's copy differs")
	}
}

// blobRequest calls the blob API with a workstation's credential.
func blobRequest(t *testing.T, ts *testServer, cfg syncclient.Config, method, path string, body []byte) (int, string) {
	t.Helper()
	return blobRequestWith(t, ts, cfg, method, path, body, nil)
}

// blobRequestWith is blobRequest with the request changed by change after
// it is signed.
func blobRequestWith(t *testing.T, ts *testServer, cfg syncclient.Config, method, path string, body []byte, change func(*http.Request)) (int, string) {
	t.Helper()
	tc, err := syncclient.PinnedTLS(ts.fp)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(method, ts.url()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Authorize(req, body); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(req)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Authorisation, practice scoping and the size quota.
func TestBlobRefusals(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	d := fileDocument(t, a, docContent(1<<20+10, 5))
	a.sync(t)
	id := d.Blob

	// The quota: announced size over the maximum.
	code, msg := blobRequest(t, ts, a.cfg, "POST", "/v1/blobs/"+store.NewID()+"/begin",
		[]byte(`{"size":600000000,"chunks":573}`))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "larger than the sync server accepts") {
		t.Fatalf("a 600 MB document: %d %s", code, msg)
	}
	// A chunk of the wrong length, and one beyond the blob.
	nid := store.NewID()
	if code, msg := blobRequest(t, ts, a.cfg, "POST", "/v1/blobs/"+nid+"/begin", []byte(`{"size":10,"chunks":1}`)); code != 200 {
		t.Fatalf("begin: %d %s", code, msg)
	}
	if code, _ := blobRequest(t, ts, a.cfg, "PUT", "/v1/blobs/"+nid+"/chunks/0", make([]byte, 11)); code != http.StatusBadRequest {
		t.Fatalf("a chunk of the wrong length: %d", code)
	}
	if code, _ := blobRequest(t, ts, a.cfg, "PUT", "/v1/blobs/"+nid+"/chunks/1", make([]byte, 10+store.BlobSealOverhead)); code != http.StatusBadRequest {
		t.Fatalf("a chunk beyond the blob: %d", code)
	}
	// Uncommitted: not listed, not served, not committable.
	if code, _ := blobRequest(t, ts, a.cfg, "GET", "/v1/blobs/"+nid+"/header", nil); code != http.StatusNotFound {
		t.Fatalf("an uncommitted blob's header: %d", code)
	}
	if code, _ := blobRequest(t, ts, a.cfg, "PUT", "/v1/blobs/"+nid+"/header", make([]byte, 100)); code != http.StatusConflict {
		t.Fatalf("committing a blob without its chunks: %d", code)
	}
	if code, msg := blobRequest(t, ts, a.cfg, "GET", "/v1/blobs?since=0", nil); code != 200 || strings.Contains(msg, nid) || !strings.Contains(msg, id) {
		t.Fatalf("the feed: %d %s", code, msg)
	}

	// Another practice can neither see nor write this practice's blob.
	other := newPractice(t, ts, 1)[0]
	for _, p := range []string{"/v1/blobs/" + id + "/header", "/v1/blobs/" + id + "/chunks/0"} {
		if code, _ := blobRequest(t, ts, other.cfg, "GET", p, nil); code != http.StatusNotFound {
			t.Fatalf("another practice GET %s: %d", p, code)
		}
	}
	if code, msg := blobRequest(t, ts, other.cfg, "GET", "/v1/blobs?since=0", nil); code != 200 || strings.Contains(msg, id) {
		t.Fatalf("another practice's feed: %d %s", code, msg)
	}
	if code, _ := blobRequest(t, ts, other.cfg, "PUT", "/v1/blobs/"+id+"/chunks/0", make([]byte, store.BlobChunkSize+store.BlobSealOverhead)); code != http.StatusNotFound {
		t.Fatalf("another practice writing into this practice's blob: %d", code)
	}
	// A committed blob's chunk cannot be replaced.
	if code, _ := blobRequest(t, ts, a.cfg, "PUT", "/v1/blobs/"+id+"/chunks/0", make([]byte, store.BlobChunkSize+store.BlobSealOverhead)); code != http.StatusConflict {
		t.Fatalf("replacing a committed chunk: %d", code)
	}
	// No credential, a wrong token, a revoked device.
	aTok := token(t, a.cfg)
	if code, _ := blobRequestWith(t, ts, b.cfg, "GET", "/v1/blobs?since=0", nil, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+aTok)
	}); code != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d", code)
	}
	if err := syncclient.RevokeDevice(context.Background(), a.cfg, b.cfg.DeviceID); err != nil {
		t.Fatal(err)
	}
	if code, _ := blobRequest(t, ts, b.cfg, "GET", "/v1/blobs/"+id+"/chunks/0", nil); code != http.StatusForbidden {
		t.Fatalf("a revoked device: %d", code)
	}
	if _, err := b.c.RunOnce(context.Background()); !errors.Is(err, syncproto.ErrDeviceRevoked) {
		t.Fatalf("a revoked device's sync: %v", err)
	}
}

// blobsOnPostgres is set while the blob tests run on PostgreSQL.
var blobsOnPostgres bool

// The blob tests that do not read the bbolt file, on PostgreSQL.
func TestBlobsOnPostgreSQL(t *testing.T) {
	usePostgres(t, pgtest.StartForTest(t, pgtest.Options{}))
	blobsOnPostgres = true
	t.Cleanup(func() { blobsOnPostgres = false })
	for _, tc := range []struct {
		name string
		f    func(*testing.T)
	}{
		{"SyncDocument", TestBlobSyncDocument},
		{"UploadResumes", TestBlobUploadResumes},
		{"DownloadResumes", TestBlobDownloadResumes},
		{"Refusals", TestBlobRefusals},
	} {
		t.Run(tc.name, tc.f)
	}
}

// BenchmarkBlobSync20MB: a 20 MB document filed on A reaches B (A's push
// and B's pull) over HTTPS on loopback.
func BenchmarkBlobSync20MB(b *testing.B) {
	ts := startServer(b)
	ws := newPractice(b, ts, 2)
	wa, wb := ws[0], ws[1]
	const size = 20 << 20
	b.SetBytes(size)
	var push, pull time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := fileDocument(b, wa, docContent(size, uint64(100+i)))
		b.StartTimer()
		t0 := time.Now()
		if r := wa.sync(b); r.BlobsPushed != 1 {
			b.Fatalf("pushed %d", r.BlobsPushed)
		}
		t1 := time.Now()
		if r := wb.sync(b); r.BlobsPulled != 1 {
			b.Fatalf("pulled %d", r.BlobsPulled)
		}
		push, pull = push+t1.Sub(t0), pull+time.Since(t1)
		b.StopTimer()
		if ok, _ := wb.st.HasBlob(d.Blob); !ok {
			b.Fatal("not on B")
		}
		b.StartTimer()
	}
	b.ReportMetric(push.Seconds()/float64(b.N), "push-s/op")
	b.ReportMetric(pull.Seconds()/float64(b.N), "pull-s/op")
}
