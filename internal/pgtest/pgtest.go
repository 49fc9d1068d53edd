// Package pgtest starts a private PostgreSQL server for a test run: a new
// cluster in a temporary folder, listening on 127.0.0.1 at a free port
// (and on a unix socket in that folder), removed again at the end.
//
// A package's tests share one cluster and each test gets a database of its
// own:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.NewDatabase(t) // postgres://…/t_…
//	}
//
// The cluster starts on the first NewDatabase and stops when Main returns.
// PostgreSQL's programs (initdb, postgres, pg_dump) are looked up on PATH and
// in Debian's /usr/lib/postgresql/<version>/bin. When they are missing a
// test fails if CI is set (`make test` installs the Debian package
// postgresql) and is skipped otherwise.
//
// PostgreSQL refuses to run as root. Under root the server programs run as
// the unprivileged "postgres" user that Debian's package creates, in a
// folder that user owns. The server is a child of the test process and
// gets a fast-shutdown signal if the test process dies (a test timeout,
// say), so no cluster outlives its run.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Superuser is the cluster's superuser, for every URL this package gives.
const Superuser = "postgres"

// Options configure a cluster.
type Options struct {
	// Fsync keeps PostgreSQL's fsync on, as in production (benchmarks).
	// Off by default: tests lose nothing by it and run faster.
	Fsync bool
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dir      string // the temporary folder: data/, sock/, log
	bin      string // the folder of initdb, postgres, pg_dump
	port     int
	password string
	runAs    *user.User // nil: run the server as this process's user
	server   *exec.Cmd
	exited   chan struct{} // closed when the server has exited
}

// ErrNotInstalled is returned when PostgreSQL's programs are not found.
var ErrNotInstalled = errors.New("PostgreSQL's programs (initdb, postgres, pg_dump) are not installed: install the Debian package postgresql (make deps)")

// BinDir finds the folder holding initdb, postgres and pg_dump: initdb's on
// PATH (links followed) first, then the newest
// /usr/lib/postgresql/<version>/bin.
func BinDir() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err = filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	vers, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(vers, func(i, j int) bool { return versionOf(vers[i]) > versionOf(vers[j]) })
	for _, p := range vers {
		dirs = append(dirs, filepath.Dir(p))
	}
next:
	for _, d := range dirs {
		for _, prog := range []string{"initdb", "postgres", "pg_dump"} {
			if _, err := os.Stat(filepath.Join(d, prog)); err != nil {
				continue next
			}
		}
		return d, nil
	}
	return "", ErrNotInstalled
}

func versionOf(initdb string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(initdb))), 64)
	return v
}

// Start makes and starts a new cluster. Stop it with [Cluster.Stop].
func Start(opts Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, password: randomHex(12)}
	if os.Geteuid() == 0 {
		if c.runAs, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL needs the unprivileged user postgres (made by the Debian package postgresql): %w", err)
		}
	}
	if c.dir, err = c.tempDir(); err != nil {
		return nil, err
	}
	if err := c.initdb(); err != nil {
		c.remove()
		return nil, err
	}
	for try := 0; ; try++ {
		if c.port, err = freePort(); err == nil {
			if err = c.start(opts); err == nil {
				return c, nil
			}
		}
		if try == 2 {
			c.remove()
			return nil, err
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tempDir makes the cluster's folder where the server's user can reach it
// (every folder above it searchable by others) and gives it to that user.
func (c *Cluster) tempDir() (string, error) {
	bases := []string{os.TempDir()}
	if c.runAs != nil {
		bases = append(bases, "/tmp", "/var/tmp")
	}
	for _, base := range bases {
		if c.runAs != nil && !searchable(base) {
			continue
		}
		dir, err := os.MkdirTemp(base, "pgtest-")
		if err != nil {
			continue
		}
		if c.runAs != nil {
			uid, _ := strconv.Atoi(c.runAs.Uid)
			gid, _ := strconv.Atoi(c.runAs.Gid)
			if err := os.Chown(dir, uid, gid); err != nil {
				os.RemoveAll(dir)
				return "", err
			}
		}
		return dir, nil
	}
	return "", fmt.Errorf("no temporary folder the postgres user can reach (tried %s)", strings.Join(bases, ", "))
}

// searchable reports whether others may pass through dir and every folder
// above it.
func searchable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// command runs one of PostgreSQL's programs as the server's user.
func (c *Cluster) command(prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if c.runAs != nil {
		uid, _ := strconv.ParseUint(c.runAs.Uid, 10, 32)
		gid, _ := strconv.ParseUint(c.runAs.Gid, 10, 32)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		cmd.Env = append(cmd.Env, "HOME="+c.dir, "USER=postgres", "LOGNAME=postgres")
	}
	return cmd
}

func (c *Cluster) run(prog string, args ...string) error {
	out, err := c.command(prog, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", prog, err, bytes.TrimSpace(out))
	}
	return nil
}

func (c *Cluster) initdb() error {
	pwfile := filepath.Join(c.dir, "pw")
	if err := os.WriteFile(pwfile, []byte(c.password+"\n"), 0o600); err != nil {
		return err
	}
	if c.runAs != nil {
		uid, _ := strconv.Atoi(c.runAs.Uid)
		gid, _ := strconv.Atoi(c.runAs.Gid)
		os.Chown(pwfile, uid, gid)
	}
	defer os.Remove(pwfile)
	if err := c.mkdirOwned(filepath.Join(c.dir, "sock")); err != nil {
		return err
	}
	// Loopback TCP asks for the password; the socket in the private folder
	// trusts its local users (the tools run as the server's user).
	return c.run("initdb", "-D", filepath.Join(c.dir, "data"), "-U", Superuser, "--pwfile", pwfile,
		"--auth-host", "scram-sha-256", "--auth-local", "trust", "-E", "UTF8", "--locale", "C", "--no-sync")
}

func (c *Cluster) mkdirOwned(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if c.runAs != nil {
		uid, _ := strconv.Atoi(c.runAs.Uid)
		gid, _ := strconv.Atoi(c.runAs.Gid)
		return os.Chown(dir, uid, gid)
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) start(opts Options) error {
	fsync := "off"
	if opts.Fsync {
		fsync = "on"
	}
	cmd := c.command("postgres", "-D", filepath.Join(c.dir, "data"), "-p", strconv.Itoa(c.port),
		"-k", filepath.Join(c.dir, "sock"), "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync="+fsync, "-c", "full_page_writes="+fsync, "-c", "max_connections=200",
		"-c", "log_min_messages=warning")
	logf, err := os.OpenFile(filepath.Join(c.dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT // fast shutdown if the tests die
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	c.server, c.exited = cmd, exited
	// Ready once it accepts a connection with the password.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
			return fmt.Errorf("postgres exited at start: %s", bytes.TrimSpace(log))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.halt()
			return fmt.Errorf("postgres did not accept connections within a minute: %v", err)
		}
	}
}

// halt stops the server: fast shutdown (its sessions end), then a kill if
// it has not exited within 30 s.
func (c *Cluster) halt() error {
	if c.server == nil {
		return nil
	}
	c.server.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
		return nil
	case <-time.After(30 * time.Second):
		c.server.Process.Kill()
		<-c.exited
		return errors.New("postgres did not stop within 30 s and was killed")
	}
}

// Stop stops the server and removes its folder.
func (c *Cluster) Stop() error {
	err := c.halt()
	c.remove()
	return err
}

func (c *Cluster) remove() { os.RemoveAll(c.dir) }

// DataDir is the cluster's data folder (its files, to search).
func (c *Cluster) DataDir() string { return filepath.Join(c.dir, "data") }

// Port is the TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// Password is the superuser's password.
func (c *Cluster) Password() string { return c.password }

// URL is the address of database db, superuser and password included.
func (c *Cluster) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(Superuser, c.password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// CreateDatabase makes a new empty database with a random name and
// returns its name.
func (c *Cluster) CreateDatabase(ctx context.Context) (string, error) {
	name := "t_" + randomHex(8)
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	// Copying the template's files is faster here than writing it all to
	// the log (PostgreSQL 15's default); older versions only copy.
	if _, err = conn.Exec(ctx, "CREATE DATABASE "+name+" STRATEGY = FILE_COPY"); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "42601" || pe.Code == "42704") {
			_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
		}
	}
	return name, err
}

// DropDatabase removes database db, ending its sessions.
func (c *Cluster) DropDatabase(ctx context.Context, db string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	return err
}

// Dump is pg_dump's plain SQL output of database db.
func (c *Cluster) Dump(db string) ([]byte, error) {
	cmd := c.command("pg_dump", "-h", filepath.Join(c.dir, "sock"), "-p", strconv.Itoa(c.port), "-U", Superuser, "--no-password", db)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("pg_dump: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// Checkpoint writes every changed page to the data files, so a search of
// them sees what the server holds.
func (c *Cluster) Checkpoint(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CHECKPOINT")
	return err
}

// The cluster shared by one test binary's tests.
var shared struct {
	once gosync.Once
	c    *Cluster
	err  error
}

// Main runs the tests (m.Run) and then stops the shared cluster, if a test
// started it. Call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.c != nil {
		if err := shared.c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stopping PostgreSQL:", err)
		}
	}
	return code
}

// Shared returns the test binary's cluster, starting it on first use. It
// fails the test when PostgreSQL cannot start, and when it is not
// installed fails under CI and skips otherwise. The binary's TestMain must
// call [Main].
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.once.Do(func() {
		shared.c, shared.err = Start(Options{})
	})
	if shared.err != nil {
		Unavailable(t, shared.err)
	}
	return shared.c
}

// Unavailable ends the test for err from [Start]: a skip when PostgreSQL
// is not installed and CI is not set, a failure otherwise.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
		t.Skipf("%v", err)
	}
	t.Fatalf("starting a private PostgreSQL: %v", err)
}

// NewDatabase makes a database of its own for the test in the shared
// cluster, drops it when the test ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return NewDatabaseIn(t, Shared(t))
}

// NewDatabaseIn is [NewDatabase] in cluster c.
func NewDatabaseIn(t testing.TB, c *Cluster) string {
	t.Helper()
	ctx := context.Background()
	db, err := c.CreateDatabase(ctx)
	if err != nil {
		t.Fatalf("creating a test database: %v", err)
	}
	t.Cleanup(func() {
		if err := c.DropDatabase(ctx, db); err != nil {
			t.Errorf("dropping the test database: %v", err)
		}
	})
	return c.URL(db)
}

// StartForTest starts a cluster of its own for one test (or benchmark)
// and stops it when the test ends.
func StartForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c, err := Start(opts)
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stopping PostgreSQL: %v", err)
		}
	})
	return c
}
