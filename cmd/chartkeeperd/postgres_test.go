package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chartkeeper/internal/pgtest"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
	"chartkeeper/syncserver/pgbackend"
)

// TestPostgresBinary builds chartkeeperd, runs it with --postgres on a
// private PostgreSQL, asks its health endpoint over HTTPS and stops it
// with SIGTERM. The server ID it reports is the database's; the password
// in the URL appears in none of its output.
func TestPostgresBinary(t *testing.T) {
	c := pgtest.StartForTest(t, pgtest.Options{})
	url := pgtest.NewDatabaseIn(t, c)
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is needed to build chartkeeperd: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "chartkeeperd")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	data := t.TempDir()
	cmd := exec.Command(bin, "--data", data, "--listen", "127.0.0.1:0", "--postgres", url)
	stdout, _ := cmd.StdoutPipe()
	stderrPath := filepath.Join(t.TempDir(), "stderr")
	ef, _ := os.Create(stderrPath)
	cmd.Stderr = ef
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	var addr string
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
	for addr == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				ef.Close()
				errs, _ := os.ReadFile(stderrPath)
				t.Fatalf("chartkeeperd exited: %s\n%s", &out, errs)
			}
			out.WriteString(l + "\n")
			if a, ok := strings.CutPrefix(l, "listening on https://"); ok {
				addr = a
			}
		case <-timeout:
			t.Fatalf("chartkeeperd did not start: %s", &out)
		}
	}
	m := fpRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no fingerprint in %s", &out)
	}
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	if !strings.Contains(out.String(), "storing in PostgreSQL at 127.0.0.1:") || !strings.Contains(out.String(), "database "+db) {
		t.Fatalf("output does not name the database: %s", &out)
	}

	tc, _ := syncclient.PinnedTLS(m[1])
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	resp, err := hc.Get("https://" + addr + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	var h syncproto.Health
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	var sid string
	err = conn.QueryRow(context.Background(), "SELECT id FROM ck_server").Scan(&sid)
	conn.Close(context.Background())
	if err != nil || !h.OK || h.ServerID != sid {
		t.Fatalf("health %+v, database's server ID %q %v", h, sid, err)
	}
	if _, err := os.Stat(filepath.Join(data, boltbackend.FileName)); !os.IsNotExist(err) {
		t.Fatalf("a bbolt file was made beside PostgreSQL: %v", err)
	}

	// A long-poll in progress does not hold up the shutdown.
	go hc.Get("https://" + addr + "/v1/changes?wait=60")
	time.Sleep(50 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(readLines(lines))
	out.Write(rest)
	err = cmd.Wait()
	killed = true
	ef.Close()
	errs, _ := os.ReadFile(stderrPath)
	if err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s\n%s", err, &out, errs)
	}
	t.Logf("output:\n%s", &out)
	if !strings.Contains(out.String(), "stopped") {
		t.Fatalf("output: %s", &out)
	}
	if !strings.Contains(string(errs), "path=/v1/health status=200") {
		t.Fatalf("log: %s", errs)
	}
	all := out.String() + string(errs)
	if pw := c.Password(); strings.Contains(all, pw) {
		t.Fatalf("the database password is in the output:\n%s", all)
	}
}

// readLines turns the rest of lines into a reader.
func readLines(lines <-chan string) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		for l := range lines {
			io.WriteString(pw, l+"\n")
		}
		pw.Close()
	}()
	return pr
}

// chartkeeperd items works on a PostgreSQL database too, while servers
// use it.
func TestItemsOnPostgreSQL(t *testing.T) {
	c := pgtest.StartForTest(t, pgtest.Options{})
	url := pgtest.NewDatabaseIn(t, c)
	ctx := context.Background()
	b, err := pgbackend.Open(ctx, url, pgbackend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dev := func(id string) syncserver.Device {
		return syncserver.Device{ID: id, TokenHash: make([]byte, 32), Created: time.Now()}
	}
	if err := b.RegisterPractice(ctx, "p1", dev("good"), syncserver.PracticeKeys{}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddDevice(ctx, "p1", dev("thief")); err != nil {
		t.Fatal(err)
	}
	rev := func(id string) syncproto.Rev {
		return syncproto.Rev{RecordID: id, Rev: "1-" + strings.Repeat("ab", 16), Sealed: []byte("sealed " + id)}
	}
	if _, err := b.Push(ctx, "p1", "good", []syncproto.Rev{rev("r1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Push(ctx, "p1", "thief", []syncproto.Rev{rev("r2"), rev("r3")}); err != nil {
		t.Fatal(err)
	}
	got, code := operator("items", "list", "--postgres", url, "--practice", "p1", "--device", "thief")
	if code != exitOK || !strings.Contains(got, "r2") || !strings.Contains(got, "r3") || strings.Contains(got, "r1") || !strings.Contains(got, "2 items") {
		t.Fatalf("list: %d\n%s", code, got)
	}
	if got, code := operator("items", "remove", "--postgres", url, "--practice", "p1", "--device", "thief", "--all"); code != exitOK || !strings.Contains(got, "removed 2 items") {
		t.Fatalf("remove: %d %s", code, got)
	}
	res, err := b.Changes(ctx, "p1", 0, 10, 1<<20, "")
	if err != nil || len(res.Revs) != 1 || res.Revs[0].RecordID != "r1" || res.LastSeq != 1 {
		t.Fatalf("left: %+v %v", res, err)
	}
	if res, _ := b.Changes(ctx, "p1", 3, 10, 1<<20, ""); res.LastSeq != 3 {
		t.Fatalf("the log's end went back: %+v", res)
	}
}
