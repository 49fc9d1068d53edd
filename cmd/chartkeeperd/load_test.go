package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// The load test runs a real chartkeeperd (this test binary, re-executed
// as the server) and attacks it on loopback: slow unauthenticated clients
// that dribble a request body, and long-polls of one enrolled device, all
// at once, while a legitimate workstation syncs. It is a pass/fail
// security property with generous bounds, not a benchmark.

const (
	serverEnv     = "CHARTKEEPERD_TEST_SERVER_ARGS" // set: this process is the server
	loadN         = 20000                           // attackers of each kind, when the descriptor limit allows
	loadMaxRSS    = 300 << 20                       // the server's peak resident memory
	loadLegitSync = 5 * time.Second
	loadRamp      = 45 * time.Second // opening the attackers stops after this
	loadSecret    = "load-test registration secret"
)

func TestMain(m *testing.M) {
	if args := os.Getenv(serverEnv); args != "" {
		ctx, stop := signalContext()
		code := run(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr, nil)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// raiseFileLimit raises the soft limit on open files to the hard limit and
// returns it.
func raiseFileLimit(t *testing.T) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Logf("raising the open-file limit: %v", err)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return lim.Cur
}

// procStatus reads a field of /proc/PID/status in bytes.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

func TestLoadSlowClientsAndLongPolls(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped under -short")
	}
	limit := raiseFileLimit(t)
	n := loadN
	// The test process holds both kinds of attacker connection, plus room
	// for its own files and the legitimate workstation.
	if avail := (int(limit) - 400) / 2; avail < n {
		n = max(avail, 100)
		t.Logf("open-file limit %d: %d attackers of each kind instead of %d", limit, n, loadN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()

	// The server: a real chartkeeperd process.
	dir := t.TempDir()
	args := []string{"--data", filepath.Join(dir, "server"), "--listen", "127.0.0.1:0", "--quiet"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"="+strings.Join(args, "\x1f"), "CHARTKEEPERD_REGISTRATION_SECRET="+loadSecret)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	var addr, fp string
	sc := bufio.NewScanner(stdout)
	for addr == "" && sc.Scan() {
		l := sc.Text()
		if m := fpRE.FindStringSubmatch(l); m != nil {
			fp = m[1]
		}
		if a, ok := strings.CutPrefix(l, "listening on https://"); ok {
			addr = a
		}
	}
	if addr == "" {
		t.Fatal("the server did not start")
	}
	go io.Copy(io.Discard, stdout)
	pid := cmd.Process.Pid
	url := "https://" + addr

	// The practice: workstation A (legitimate) and device B, whose
	// credential the attacker holds.
	a, _, err := store.Create(filepath.Join(dir, "a"), store.NewPractice{Name: "Load Test Clinic", AdminName: "Ada Admin", AdminUser: "admin", AdminPassword: []byte("correct horse battery")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cfgA, err := syncclient.Register(ctx, a, url, fp, syncclient.RegisterOptions{DeviceName: "front desk", RegistrationSecret: loadSecret})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := syncclient.NewClient(a, cfgA)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	if _, err := a.Put("note", "", "", []byte("first")); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	code, _, err := syncclient.IssueEnrollment(ctx, a, cfgA, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b, cfgB, _, err := syncclient.Join(ctx, code, filepath.Join(dir, "b"), syncclient.JoinOptions{DeviceName: "attacker"})
	if err != nil {
		t.Fatal(err)
	}
	lastSeq := changesLastSeq(t, cfgB, fp)
	// The attacker holds B's whole credential: token and signing key.
	pollPath := fmt.Sprintf("/v1/changes?since=%d&wait=%d", lastSeq, int(syncproto.MaxLongPoll.Seconds()))
	signed, _ := http.NewRequest("GET", cfgB.Server+pollPath, nil)
	if err := cfgB.Authorize(signed, nil); err != nil {
		t.Fatal(err)
	}
	b.Close()

	// The attackers. Each connection is opened (TCP and TLS) by a small
	// pool of workers and then held; one goroutine dribbles a byte of
	// every slow client's body each second.
	tlsConf := &tls.Config{InsecureSkipVerify: true, ClientSessionCache: tls.NewLRUClientSessionCache(16),
		CurvePreferences: []tls.CurveID{tls.X25519}, NextProtos: []string{"http/1.1"}}
	slowReq := "POST /v1/enroll/redeem HTTP/1.1\r\nHost: load\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"
	pollReq := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: load\r\n%s: %s\r\n%s: %s\r\nAuthorization: %s\r\n%s: %s\r\n\r\n",
		pollPath, syncproto.HeaderPractice, cfgB.PracticeID, syncproto.HeaderDevice, cfgB.DeviceID, signed.Header.Get("Authorization"),
		syncproto.HeaderSignature, signed.Header.Get(syncproto.HeaderSignature))
	var (
		mu       sync.Mutex
		slow     []net.Conn
		polls    []net.Conn
		opened   [2]atomic.Int64
		failed   [2]atomic.Int64
		peakRSS  atomic.Int64
		stopRamp = make(chan struct{})
	)
	defer func() {
		mu.Lock()
		for _, c := range append(slow, polls...) {
			c.Close()
		}
		mu.Unlock()
	}()
	sampleDone := make(chan struct{})
	go func() { // the server's memory, sampled
		defer close(sampleDone)
		for ctx.Err() == nil {
			if v := procStatus(pid, "VmRSS"); v > peakRSS.Load() {
				peakRSS.Store(v)
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	open := func(kind int, req string) {
		d := net.Dialer{Timeout: 5 * time.Second}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			failed[kind].Add(1)
			return
		}
		tc := tls.Client(c, tlsConf)
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		err = tc.Handshake()
		if err == nil {
			_, err = io.WriteString(tc, req)
		}
		if err != nil {
			c.Close()
			failed[kind].Add(1)
			return
		}
		tc.SetDeadline(time.Time{})
		opened[kind].Add(1)
		mu.Lock()
		if kind == 0 {
			slow = append(slow, tc)
		} else {
			polls = append(polls, tc)
		}
		mu.Unlock()
	}
	jobs := make(chan int)
	var workers sync.WaitGroup
	for range 64 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for k := range jobs {
				if k%2 == 0 {
					open(0, slowReq)
				} else {
					open(1, pollReq)
				}
			}
		}()
	}
	t0 := time.Now()
	go func() {
		defer close(jobs)
		deadline := time.After(loadRamp)
		for i := range 2 * n {
			select {
			case jobs <- i:
			case <-deadline:
				return
			case <-stopRamp:
				return
			}
		}
	}()
	dribbleDone := make(chan struct{})
	go func() { // one byte of every slow body each second
		defer close(dribbleDone)
		for {
			select {
			case <-stopRamp:
				return
			case <-time.After(time.Second):
			}
			mu.Lock()
			cs := append([]net.Conn(nil), slow...)
			mu.Unlock()
			for _, c := range cs {
				c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				c.Write([]byte(" "))
			}
		}
	}()
	// The legitimate workstation syncs a change every few seconds while
	// the attackers come, and once more when all are there.
	var (
		legit   time.Duration
		syncs   int
		syncErr error
		pushed  int
	)
	legitSync := func() {
		if _, err := a.Put("note", "", "", []byte("change")); err != nil {
			t.Error(err)
			return
		}
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		t1 := time.Now()
		res, err := ca.RunOnce(sctx)
		legit = max(legit, time.Since(t1))
		syncs++
		pushed += res.Pushed
		if err != nil && syncErr == nil {
			syncErr = err
		}
	}
	rampDone := make(chan struct{})
	legitDone := make(chan struct{})
	go func() {
		defer close(legitDone)
		for {
			select {
			case <-rampDone:
				return
			case <-time.After(3 * time.Second):
				legitSync()
			}
		}
	}()
	workers.Wait()
	ramp := time.Since(t0)
	close(rampDone)
	<-legitDone
	legitSync()
	close(stopRamp)
	<-dribbleDone
	hwm := procStatus(pid, "VmHWM")
	cancel()
	<-sampleDone
	peak := max(peakRSS.Load(), hwm)
	t.Logf("%d slow clients opened (%d failed), %d long-polls opened (%d failed) in %v; %d legitimate syncs, the longest %v (pushed %d, err %v); server peak RSS %.0f MB",
		opened[0].Load(), failed[0].Load(), opened[1].Load(), failed[1].Load(), ramp.Round(time.Millisecond), syncs, legit.Round(time.Millisecond), pushed, syncErr, float64(peak)/(1<<20))
	if syncErr != nil || legit > loadLegitSync {
		t.Errorf("a legitimate sync took %v (err %v), want under %v", legit, syncErr, loadLegitSync)
	}
	if peak > loadMaxRSS {
		t.Errorf("the server's memory reached %.0f MB, want under %d MB", float64(peak)/(1<<20), loadMaxRSS>>20)
	}
}

// changesLastSeq asks the server for the end of the practice's log.
func changesLastSeq(t *testing.T, cfg syncclient.Config, fp string) uint64 {
	t.Helper()
	tc, _ := syncclient.PinnedTLS(fp)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	var since uint64
	for {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/changes?since=%d&limit=2000", cfg.Server, since), nil)
		if err := cfg.Authorize(req, nil); err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var cr syncproto.ChangesResponse
		err = json.NewDecoder(resp.Body).Decode(&cr)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		since = cr.LastSeq
		if !cr.More {
			return since
		}
	}
}
