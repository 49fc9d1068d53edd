package syncclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// The fault tests run randomized schedules against a practice of two or
// three workstations (real stores in temporary folders) and a server over
// real HTTPS on loopback, with a fault-injecting proxy in between. Each
// seed is one reproducible schedule of local edits (new records, edits of
// the same record on different workstations, deletions) interleaved with
// faults: connections cut after N bytes in either direction, links gone
// silent, pushes stored but their acknowledgement lost, the server killed
// (before or after storing, or while serving a pull) and reopened from its
// bbolt file, pushes replayed in random order, pull pages served again,
// shuffled, or delivered out of order, workstation clocks an hour off
// either way, workstations restarted. Syncs run one at a time, all at once,
// or as the background loops. Afterwards, with the faults off, the
// workstations sync until nothing moves, and every replica must hold the
// same records with the same winner, conflicts and history, and every
// revision made anywhere must be everywhere and on the server exactly once.
//
// A seed fixes the schedule (every choice comes from it); where syncs run
// at once, which request a fault strikes can vary from run to run. A
// failing seed prints its schedule; rerun it alone with
//
//	go test -tags chartkeeper_insecure_kdf -run 'TestFaults/seed=137$' ./sync/
//
// and soak with more seeds with -faults.seeds=2000.
var (
	faultSeeds   = flag.Int("faults.seeds", 200, "how many randomized fault schedules TestFaults runs")
	faultFirst   = flag.Int("faults.first", 1, "the first seed TestFaults runs")
	faultWorkers = flag.Int("faults.workers", 0, "schedules run at once (0: 3 per CPU)")
)

func TestFaults(t *testing.T) {
	workers := *faultWorkers
	if workers <= 0 {
		workers = 3 * runtime.GOMAXPROCS(0)
	}
	seeds := make(chan uint64)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				// Subtests run in these workers (not t.Parallel): the
				// schedules wait on fsync and the network far more than
				// on the CPU, so more run at once than there are CPUs.
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runFaultSchedule(t, seed) })
			}
		}()
	}
	for i := range *faultSeeds {
		seeds <- uint64(*faultFirst + i)
	}
	close(seeds)
	wg.Wait()
	var parts []string
	for i := range faultStats {
		parts = append(parts, fmt.Sprintf("%s %d", faultStatNames[i], faultStats[i].Load()))
	}
	t.Logf("faults that struck: %s", strings.Join(parts, ", "))
}

// faultStats counts, over all schedules, the faults that struck (armed
// faults whose moment never came are not counted).
var faultStats [9]atomic.Int64

var faultStatNames = [...]string{"links cut", "acks lost after storing", "kills before storing", "kills after storing",
	"earlier pages served", "pages shuffled", "kills while pulling", "syncs failed", "silent links"}

const (
	statCut   = 0
	statStall = 8
)

// Faults the server side injects into the next matching request.
type httpFault int

const (
	hfNone        httpFault = iota
	hfAckLost               // push: stored, then the connection drops before the answer
	hfKillBefore            // push: the server dies before storing
	hfKillAfter             // push: the server dies after storing, before answering
	hfPullDup               // changes: an earlier page for this device is served again
	hfPullShuffle           // changes: the page's revisions in random order
	hfPullKill              // changes: the server dies before answering
)

var httpFaultNames = [...]string{"none", "ack lost", "kill before store", "kill after store", "earlier page again", "shuffled page", "kill while pulling"}

func (f httpFault) String() string { return httpFaultNames[f] }

func (f httpFault) push() bool { return f >= hfAckLost && f <= hfKillAfter }

// faultServer is chartkeeperd behind the fault proxy: killed abruptly
// (listener, connections and backend closed at once) and reopened from the
// same bbolt file on a fresh port.
type faultServer struct {
	t     testing.TB
	dir   string
	fp    string
	cert  tls.Certificate
	proxy *faultProxy

	mu      sync.Mutex
	backend syncserver.Backend
	srv     *http.Server
	handler *syncserver.Server
	addr    string
	up      bool

	fmu    sync.Mutex
	fault  httpFault
	rng    *rand.Rand          // the server side's choices
	pushes []capturedPush      // every complete push request
	pages  map[string][][]byte // changes answers served, per device
}

type capturedPush struct {
	header http.Header
	body   []byte
}

func startFaultServer(t testing.TB, seed uint64) *faultServer {
	t.Helper()
	fs := &faultServer{t: t, dir: t.TempDir(), rng: rand.New(rand.NewPCG(seed, 2)), pages: map[string][][]byte{}}
	cert, fp, _, err := syncserver.LoadOrCreateCert(fs.dir, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	fs.cert, fs.fp = cert, fp
	fs.proxy = startProxy(t, "127.0.0.1:1")
	fs.start()
	t.Cleanup(fs.kill)
	return fs
}

func (fs *faultServer) isUp() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.up
}

func (fs *faultServer) start() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.up {
		return
	}
	b, err := boltbackend.Open(fs.dir)
	if err != nil {
		fs.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Close()
		fs.t.Fatal(err)
	}
	h := syncserver.NewServer(b, syncserver.WithOpenRegistration(), syncserver.WithRateLimits(0, 0, 0, 0))
	fs.backend, fs.handler, fs.addr, fs.up = b, h, ln.Addr().String(), true
	fs.srv = &http.Server{Handler: fs.wrap(h), TLSConfig: &tls.Config{Certificates: []tls.Certificate{fs.cert}},
		ErrorLog: log.New(io.Discard, "", 0)}
	go fs.srv.ServeTLS(ln, "", "")
	fs.proxy.setTarget(fs.addr)
}

// kill stops the server the way a crash or a pulled plug does: no
// graceful shutdown, in-flight requests lose their connections.
func (fs *faultServer) kill() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !fs.up {
		return
	}
	fs.up = false
	fs.srv.Close()
	fs.handler.Close()
	fs.backend.Close()
}

func (fs *faultServer) setFault(f httpFault) {
	fs.fmu.Lock()
	fs.fault = f
	fs.fmu.Unlock()
}

// takeFault returns the armed fault if it applies to this request, and
// disarms it.
func (fs *faultServer) takeFault(push bool) httpFault {
	fs.fmu.Lock()
	defer fs.fmu.Unlock()
	f := fs.fault
	if f == hfNone || f.push() != push {
		return hfNone
	}
	fs.fault = hfNone
	return f
}

func (fs *faultServer) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/push":
			body, err := io.ReadAll(r.Body)
			if err != nil {
				panic(http.ErrAbortHandler) // cut off on its way in
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			fs.fmu.Lock()
			fs.pushes = append(fs.pushes, capturedPush{header: r.Header.Clone(), body: body})
			fs.fmu.Unlock()
			f := fs.takeFault(true)
			if f != hfNone {
				faultStats[f].Add(1)
			}
			switch f {
			case hfAckLost:
				h.ServeHTTP(httptest.NewRecorder(), r)
				panic(http.ErrAbortHandler)
			case hfKillBefore:
				fs.kill()
				panic(http.ErrAbortHandler)
			case hfKillAfter:
				h.ServeHTTP(httptest.NewRecorder(), r)
				fs.kill()
				panic(http.ErrAbortHandler)
			}
			h.ServeHTTP(w, r)
		case "/v1/changes":
			f := fs.takeFault(false)
			if f != hfNone {
				faultStats[f].Add(1)
			}
			if f == hfPullKill {
				fs.kill()
				panic(http.ErrAbortHandler)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if rec.Code == http.StatusOK {
				dev := r.Header.Get(syncproto.HeaderDevice)
				fs.fmu.Lock()
				switch f {
				case hfPullDup:
					if old := fs.pages[dev]; len(old) > 0 {
						body = old[fs.rng.IntN(len(old))]
					}
				case hfPullShuffle:
					var cr syncproto.ChangesResponse
					if json.Unmarshal(body, &cr) == nil && len(cr.Revs) > 1 {
						fs.rng.Shuffle(len(cr.Revs), func(i, j int) { cr.Revs[i], cr.Revs[j] = cr.Revs[j], cr.Revs[i] })
						body, _ = json.Marshal(cr)
					}
				}
				fs.pages[dev] = append(fs.pages[dev], rec.Body.Bytes())
				fs.fmu.Unlock()
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(body)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// replay posts earlier pushes again, straight to the server, in random
// order: a network that delivers requests twice and late.
func (fs *faultServer) replay(t *testing.T, rng *rand.Rand, n int) string {
	fs.fmu.Lock()
	pushes := slices.Clone(fs.pushes)
	fs.fmu.Unlock()
	fs.mu.Lock()
	addr, up := fs.addr, fs.up
	fs.mu.Unlock()
	if len(pushes) == 0 || !up {
		return "nothing to replay"
	}
	tc, err := syncclient.PinnedTLS(fs.fp)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: tc}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var out []string
	for range n {
		i := rng.IntN(len(pushes))
		req, _ := http.NewRequest("POST", "https://"+addr+"/v1/push", bytes.NewReader(pushes[i].body))
		req.Header = pushes[i].header.Clone()
		resp, err := hc.Do(req)
		if err != nil {
			t.Errorf("replaying push %d: %v", i, err)
			return ""
		}
		var pr syncproto.PushResponse
		var er syncproto.ErrorResponse
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK && json.Unmarshal(b, &pr) == nil:
			out = append(out, fmt.Sprintf("#%d inserted %d", i, pr.Inserted))
		case resp.StatusCode == http.StatusConflict && json.Unmarshal(b, &er) == nil && strings.Contains(er.Error, syncproto.ErrMissingParent.Error()):
			// A batch replayed before the one that carried its parents.
			out = append(out, fmt.Sprintf("#%d refused (parent missing)", i))
		default:
			t.Errorf("replaying push %d: %d %s", i, resp.StatusCode, b)
		}
	}
	return strings.Join(out, ", ")
}

// serverLog is every revision the server holds, in its sequence.
func (fs *faultServer) serverLog(t *testing.T, practice string) ([]syncproto.Rev, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !fs.up {
		return nil, false
	}
	res, err := fs.backend.Changes(context.Background(), practice, 0, 1<<30, 1<<40, "")
	if err != nil {
		t.Fatal(err)
	}
	return res.Revs, true
}

// faultRequestTimeout is the workstations' request timeout while faults
// strike, so that a silent link costs a schedule little time.
const faultRequestTimeout = 500 * time.Millisecond

// skewClock is a workstation's wall clock: the real one plus an offset.
type skewClock struct{ off atomic.Int64 }

func (c *skewClock) now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

var skews = []time.Duration{-time.Hour, 0, time.Hour}

// faultRun is one schedule's state.
type faultRun struct {
	t       *testing.T
	rng     *rand.Rand
	fs      *faultServer
	ws      []*workstation
	clocks  []*skewClock
	created map[string]bool // "record rev" of every revision written anywhere
	ids     []string        // every record made
	step    int
	downFor int // steps the killed server stays down
}

func (fr *faultRun) logf(format string, args ...any) {
	fr.t.Helper()
	fr.t.Logf("step %2d: %s", fr.step, fmt.Sprintf(format, args...))
}

func (fr *faultRun) keep(r store.Record) { fr.created[r.ID+" "+r.Rev] = true }

func runFaultSchedule(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	fs := startFaultServer(t, seed)
	n := 2 + rng.IntN(2)
	fr := &faultRun{t: t, rng: rng, fs: fs, created: map[string]bool{}}
	var opts [][]store.Option
	var desc []string
	for i := range n {
		c := &skewClock{}
		c.off.Store(int64(skews[rng.IntN(len(skews))]))
		fr.clocks = append(fr.clocks, c)
		opts = append(opts, []store.Option{store.WithClock(c.now)})
		desc = append(desc, fmt.Sprintf("ws%d clock %+v", i, time.Duration(c.off.Load())))
	}
	fr.ws = newPracticeAt(t, fs.proxy.url(), fs.fp, n, opts...)
	batch := 1 + rng.IntN(4)
	for _, w := range fr.ws {
		w.c.BatchRevs = batch
		w.c.RequestTimeout = faultRequestTimeout
	}
	steps := 20 + rng.IntN(20)
	t.Logf("seed %d: %d workstations (%s), batches of %d revisions, %d steps; rerun with -run 'TestFaults/seed=%d$'",
		seed, n, strings.Join(desc, ", "), batch, steps, seed)
	for fr.step = 1; fr.step <= steps && !t.Failed(); fr.step++ {
		fr.randomStep()
		if !fs.isUp() {
			if fr.downFor <= 0 {
				fs.start()
				fr.logf("server restarted")
			}
			fr.downFor--
		}
	}
	if t.Failed() {
		return
	}
	fr.settle()
}

func (fr *faultRun) randomStep() {
	rng := fr.rng
	switch p := rng.IntN(100); {
	case p < 40:
		fr.edit()
	case p < 70:
		fr.syncOne()
	case p < 76:
		fr.syncConcurrently()
	case p < 80:
		fr.background()
	case p < 82:
		fr.restartWorkstation()
	case p < 87:
		fr.logf("replay pushes: %s", fr.fs.replay(fr.t, rng, 1+rng.IntN(4)))
	case p < 91:
		fr.deliverOutOfOrder()
	case p < 95:
		i := rng.IntN(len(fr.ws))
		d := skews[rng.IntN(len(skews))]
		fr.clocks[i].off.Store(int64(d))
		fr.logf("ws%d clock set %+v", i, d)
	case p < 98:
		fr.fs.kill()
		fr.downFor = rng.IntN(3)
		fr.logf("server killed (down for %d steps)", fr.downFor)
	default:
		fr.fs.proxy.dropAll()
		fr.logf("all connections dropped")
	}
}

// liveIDs are the live records workstation i holds.
func (fr *faultRun) liveIDs(i int) []string {
	var ids []string
	err := fr.ws[i].st.View(func(tx *store.Tx) error {
		return tx.List("patient", func(r store.Record) error { ids = append(ids, r.ID); return nil })
	})
	if err != nil {
		fr.t.Fatal(err)
	}
	return ids
}

func (fr *faultRun) edit() {
	rng, t := fr.rng, fr.t
	i := rng.IntN(len(fr.ws))
	w := fr.ws[i]
	ids := fr.liveIDs(i)
	p := rng.IntN(100)
	if len(ids) == 0 || p < 35 {
		var made []string
		for range 1 + rng.IntN(4) {
			r := put(t, w.st, "patient", "", "", fmt.Sprintf(`{"family":"Testperson-%d","step":%d}`, len(fr.ids), fr.step))
			fr.keep(r)
			fr.ids = append(fr.ids, r.ID)
			made = append(made, r.ID[:8])
		}
		fr.logf("ws%d new records %s", i, strings.Join(made, " "))
		return
	}
	id := ids[rng.IntN(len(ids))]
	cur := get(t, w.st, id)
	switch {
	case p < 75:
		r := put(t, w.st, "patient", id, cur.Rev, fmt.Sprintf(`{"family":"Edited-%d","step":%d}`, i, fr.step))
		fr.keep(r)
		fr.logf("ws%d edits %s", i, id[:8])
	case p < 85:
		r, err := w.st.Delete(id, cur.Rev, "test deletion")
		if err != nil {
			t.Fatal(err)
		}
		fr.keep(r)
		fr.logf("ws%d deletes %s", i, id[:8])
	default:
		// The same record edited on two workstations before they sync.
		j := (i + 1 + rng.IntN(len(fr.ws)-1)) % len(fr.ws)
		other, err := fr.ws[j].st.Get(id)
		r := put(t, w.st, "patient", id, cur.Rev, fmt.Sprintf(`{"family":"Concurrent-%d","step":%d}`, i, fr.step))
		fr.keep(r)
		if err != nil || other.Deleted {
			fr.logf("ws%d edits %s (ws%d does not hold it)", i, id[:8], j)
			return
		}
		r2 := put(t, fr.ws[j].st, "patient", id, other.Rev, fmt.Sprintf(`{"family":"Concurrent-%d","step":%d}`, j, fr.step))
		fr.keep(r2)
		fr.logf("ws%d and ws%d edit %s at once", i, j, id[:8])
	}
}

// armRandomFault arms one fault (or none) for the next sync and says
// which; pullFault reports whether it may make a pull refuse its page.
func (fr *faultRun) armRandomFault() (desc string, pullFault bool) {
	rng := fr.rng
	switch p := rng.IntN(100); {
	case p < 25:
		return "no fault", false
	case p < 40:
		n := 1 + rng.Int64N(6000)
		fr.fs.proxy.arm(dirUp, n)
		return fmt.Sprintf("link cut after %d bytes up", n), false
	case p < 55:
		n := 1 + rng.Int64N(5000)
		fr.fs.proxy.arm(dirDown, n)
		return fmt.Sprintf("link cut after %d bytes down", n), false
	case p < 65:
		fr.fs.setFault(hfAckLost)
		return hfAckLost.String(), false
	case p < 72:
		fr.fs.setFault(hfKillBefore)
		return hfKillBefore.String(), false
	case p < 80:
		fr.fs.setFault(hfKillAfter)
		return hfKillAfter.String(), false
	case p < 88:
		fr.fs.setFault(hfPullDup)
		return hfPullDup.String(), true
	case p < 93:
		fr.fs.setFault(hfPullShuffle)
		return hfPullShuffle.String(), true
	case p < 97:
		fr.fs.proxy.setStall(true)
		faultStats[statStall].Add(1)
		return "silent link", false
	default:
		fr.fs.setFault(hfPullKill)
		return hfPullKill.String(), false
	}
}

func (fr *faultRun) disarm() {
	fr.fs.proxy.setStall(false)
	fr.fs.proxy.disarm()
	fr.fs.setFault(hfNone)
}

// runOnce syncs workstation i once; failures must be the ones the armed
// fault explains.
func (fr *faultRun) runOnce(i int, pullFault bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := fr.ws[i].c.RunOnce(ctx)
	switch {
	case err == nil:
		return fmt.Sprintf("ws%d pushed %d/%d pulled %d/%d", i, r.Pushed, r.Sent, r.Pulled, r.Received)
	case ctx.Err() != nil:
		fr.t.Errorf("step %d: ws%d sync hung: %v", fr.step, i, err)
	case syncclient.Unreachable(err):
	case pullFault && (errors.Is(err, store.ErrMissingParent) || strings.Contains(err.Error(), "out of sequence") ||
		strings.Contains(err.Error(), "sequence went back")):
	default:
		fr.t.Errorf("step %d: ws%d: unexpected sync failure: %v", fr.step, i, err)
	}
	faultStats[7].Add(1)
	return fmt.Sprintf("ws%d failed (%v) after pushing %d/%d pulled %d/%d", i, err, r.Pushed, r.Sent, r.Pulled, r.Received)
}

func (fr *faultRun) syncOne() {
	i := fr.rng.IntN(len(fr.ws))
	desc, pf := fr.armRandomFault()
	res := fr.runOnce(i, pf)
	fr.disarm()
	fr.afterKill()
	fr.logf("ws%d syncs, %s: %s", i, desc, res)
}

func (fr *faultRun) syncConcurrently() {
	desc, pf := fr.armRandomFault()
	out := make([]string, len(fr.ws))
	var wg sync.WaitGroup
	for i := range fr.ws {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = fr.runOnce(i, pf) }()
	}
	wg.Wait()
	fr.disarm()
	fr.afterKill()
	fr.logf("all sync at once, %s: %s", desc, strings.Join(out, "; "))
}

// afterKill decides how long a server a fault killed stays down.
func (fr *faultRun) afterKill() {
	if !fr.fs.isUp() && fr.downFor <= 0 {
		fr.downFor = fr.rng.IntN(2)
	}
}

// background runs every workstation's background sync (push on change,
// long-poll pull, back-off) for a moment while edits are made and a fault
// strikes, then stops it.
func (fr *faultRun) background() {
	rng := fr.rng
	desc, _ := fr.armRandomFault()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range fr.ws {
		w.c.LongPoll = 200 * time.Millisecond
		wg.Add(1)
		go func() { defer wg.Done(); w.c.Run(ctx) }()
	}
	var made []string
	for range 1 + rng.IntN(3) {
		time.Sleep(time.Duration(20+rng.IntN(80)) * time.Millisecond)
		i := rng.IntN(len(fr.ws))
		ids := fr.liveIDs(i)
		if len(ids) == 0 || rng.IntN(2) == 0 {
			r := put(fr.t, fr.ws[i].st, "patient", "", "", fmt.Sprintf(`{"family":"Background-%d","step":%d}`, i, fr.step))
			fr.keep(r)
			fr.ids = append(fr.ids, r.ID)
			made = append(made, fmt.Sprintf("ws%d new %s", i, r.ID[:8]))
			continue
		}
		id := ids[rng.IntN(len(ids))]
		cur := get(fr.t, fr.ws[i].st, id)
		r, err := fr.ws[i].st.Put("patient", id, cur.Rev, fmt.Appendf(nil, `{"family":"Background-edit-%d","step":%d}`, i, fr.step))
		if errors.Is(err, store.ErrConflict) {
			// The background pull brought a newer revision meanwhile.
			made = append(made, fmt.Sprintf("ws%d edit of %s overtaken", i, id[:8]))
			continue
		}
		if err != nil {
			fr.t.Fatal(err)
		}
		fr.keep(r)
		made = append(made, fmt.Sprintf("ws%d edits %s", i, id[:8]))
	}
	time.Sleep(time.Duration(50+rng.IntN(150)) * time.Millisecond)
	cancel()
	wg.Wait()
	fr.disarm()
	fr.afterKill()
	var states []string
	for i, w := range fr.ws {
		st := w.c.Status()
		states = append(states, fmt.Sprintf("ws%d %v", i, st))
		if st.Err != "" {
			states[i] += " (" + st.Err + ")"
		}
	}
	fr.logf("background sync, %s, %s: %s", desc, strings.Join(made, ", "), strings.Join(states, "; "))
}

// restartWorkstation closes a workstation's client and store and opens
// them again: sync resumes from the checkpoints in the store file.
func (fr *faultRun) restartWorkstation() {
	t := fr.t
	i := fr.rng.IntN(len(fr.ws))
	w := fr.ws[i]
	w.c.Close()
	dir := w.st.Dir()
	if err := w.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := chart.OpenStore(dir, store.WithClock(fr.clocks[i].now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	cfg, err := syncclient.Load(st)
	if err != nil || cfg.Server != w.cfg.Server || cfg.Fingerprint != w.cfg.Fingerprint || cfg.ServerID != w.cfg.ServerID ||
		cfg.PracticeID != w.cfg.PracticeID || cfg.DeviceID != w.cfg.DeviceID || cfg.Token != "" {
		t.Fatalf("ws%d sync settings after a restart: %+v %v", i, cfg, err)
	}
	c, err := syncclient.NewClient(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	c.BatchRevs, c.RequestTimeout = w.c.BatchRevs, w.c.RequestTimeout
	w.st, w.c = st, c
	fr.logf("ws%d restarted", i)
}

// deliverOutOfOrder hands a workstation revisions from the server's log in
// random order, one transaction each, outside the pull checkpoint: a
// delivery that arrives early, late and twice. Revisions whose parents
// have not arrived are refused and come again with the ordinary pull.
func (fr *faultRun) deliverOutOfOrder() {
	i := fr.rng.IntN(len(fr.ws))
	revs, up := fr.fs.serverLog(fr.t, fr.ws[i].cfg.PracticeID)
	if !up || len(revs) == 0 {
		fr.logf("ws%d out-of-order delivery: server down or empty", i)
		return
	}
	n := 1 + fr.rng.IntN(min(len(revs), 8))
	perm := fr.rng.Perm(len(revs))[:n]
	ins, missing := 0, 0
	for _, k := range perm {
		r := revs[k]
		got, err := fr.ws[i].st.ImportRevs([]store.WireRev{{RecordID: r.RecordID, Rev: r.Rev, Parents: r.Parents, Sealed: r.Sealed}})
		switch {
		case errors.Is(err, store.ErrMissingParent):
			missing++
		case err != nil:
			fr.t.Errorf("step %d: ws%d importing %s out of order: %v", fr.step, i, r.Rev, err)
		}
		ins += got
	}
	fr.logf("ws%d out-of-order delivery of %d revisions: %d new, %d before their parents", i, n, ins, missing)
}

// settle turns the faults off, syncs until nothing moves and checks the
// replicas.
func (fr *faultRun) settle() {
	t := fr.t
	fr.step = 0
	fr.disarm()
	fr.fs.start()
	for _, w := range fr.ws {
		w.c.RequestTimeout = syncclient.DefaultRequestTimeout
	}
	t.Log("faults off; syncing to quiescence")
	// A connection the faults broke may still sit in a workstation's pool
	// and fail its first request, as after a real outage; the background
	// loop retries, and so does this, up to three times per workstation.
	retried := make([]int, len(fr.ws))
	for round := 1; ; round++ {
		moved := 0
		for i, w := range fr.ws {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			r, err := w.c.RunOnce(ctx)
			cancel()
			if err != nil && syncclient.Unreachable(err) && retried[i] < 3 {
				retried[i]++
				t.Logf("round %d: ws%d retries after %v", round, i, err)
				moved += r.Pushed + r.Pulled + 1
				continue
			}
			if err != nil {
				t.Fatalf("round %d: ws%d sync with the faults off: %v", round, i, err)
			}
			moved += r.Pushed + r.Pulled
		}
		if moved == 0 {
			break
		}
		if round == 10 {
			t.Fatal("sync did not settle in 10 rounds")
		}
	}
	revsOf := func(i int) map[string]bool {
		set := map[string]bool{}
		err := fr.ws[i].st.View(func(tx *store.Tx) error {
			chs, err := tx.Changes(0, 1<<30)
			for _, c := range chs {
				k := c.RecordID + " " + c.Rev
				if set[k] {
					t.Errorf("ws%d: revision %s is twice in the change feed", i, k)
				}
				set[k] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	want := revsOf(0)
	for k := range fr.created {
		if !want[k] {
			t.Errorf("ws0 lacks revision %s, made during the schedule", k)
		}
	}
	for i := 1; i < len(fr.ws); i++ {
		if got := revsOf(i); !maps.Equal(got, want) {
			t.Errorf("ws%d holds %d revisions, ws0 %d; they differ", i, len(got), len(want))
		}
	}
	held, _ := fr.fs.serverLog(t, fr.ws[0].cfg.PracticeID)
	onServer := map[string]bool{}
	for _, r := range held {
		k := r.RecordID + " " + r.Rev
		if onServer[k] {
			t.Errorf("the server holds revision %s twice", k)
		}
		onServer[k] = true
	}
	if !maps.Equal(onServer, want) {
		t.Errorf("the server holds %d revisions, the workstations %d", len(onServer), len(want))
	}
	dump0 := replicaDump(t, fr.ws[0].st)
	for i := 1; i < len(fr.ws); i++ {
		if d := replicaDump(t, fr.ws[i].st); d != dump0 {
			t.Errorf("ws0 and ws%d differ:\n%s\n---\n%s", i, dump0, d)
		}
	}
	for i, w := range fr.ws {
		if s := w.c.Status(); s.State != syncclient.StateUpToDate || s.Pending != 0 {
			t.Errorf("ws%d status %v", i, s)
		}
		rep, err := w.st.Verify()
		if err != nil || !rep.OK() {
			t.Errorf("ws%d verify: %v %v", i, err, rep)
		}
	}
}

// replicaDump is a replica's records as every replica must show them:
// winner, deletion, body, the other live heads and the whole history.
func replicaDump(t *testing.T, s *store.Store) string {
	t.Helper()
	var out bytes.Buffer
	var ids []string
	err := s.View(func(tx *store.Tx) error {
		chs, err := tx.Changes(0, 1<<30)
		seen := map[string]bool{}
		for _, c := range chs {
			if !seen[c.RecordID] {
				seen[c.RecordID] = true
				ids = append(ids, c.RecordID)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := get(t, s, id)
		h, err := s.History(id)
		if err != nil {
			t.Fatal(err)
		}
		var revs []string
		for _, x := range h {
			revs = append(revs, x.Rev)
		}
		conflicts := slices.Clone(r.Conflicts)
		slices.Sort(conflicts)
		fmt.Fprintf(&out, "%s %s winner=%s deleted=%v body=%q conflicts=%v history=%v\n",
			id, r.Type, r.Rev, r.Deleted, r.Body, conflicts, revs)
	}
	return out.String()
}

// A link that goes silent without closing (a pulled cable, a router that
// drops the route) must not hang a sync: each request gives up after the
// client's request timeout, the workstation shows "offline", and once the
// link is back the next sync completes.
func TestSilentLinkDoesNotHangSync(t *testing.T) {
	fs := startFaultServer(t, 1)
	ws := newPracticeAt(t, fs.proxy.url(), fs.fp, 2)
	a, b := ws[0], ws[1]
	for _, w := range ws {
		w.c.RequestTimeout = time.Second
	}
	syncAll(t, a, b)
	p := put(t, a.st, "patient", "", "", "written while the link is silent")
	fs.proxy.setStall(true)
	for _, w := range ws {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := w.c.RunOnce(ctx)
		cancel()
		if !syncclient.Unreachable(err) || time.Since(start) > 10*time.Second {
			t.Fatalf("sync over a silent link: %v after %v", err, time.Since(start))
		}
		if s := w.c.Status(); s.State != syncclient.StateOffline {
			t.Fatalf("status over a silent link: %v", s)
		}
	}
	fs.proxy.setStall(false)
	// What the silent link swallowed leaves those connections broken; the
	// next attempts find that out and open new ones.
	for _, w := range ws {
		for try := 0; ; try++ {
			_, err := w.c.RunOnce(context.Background())
			if err == nil {
				break
			}
			if !syncclient.Unreachable(err) || try == 5 {
				t.Fatalf("sync once the link is back: %v", err)
			}
		}
	}
	syncAll(t, a, b)
	if got := get(t, b.st, p.ID); got.Rev != p.Rev {
		t.Fatalf("B has %+v", got)
	}
}
