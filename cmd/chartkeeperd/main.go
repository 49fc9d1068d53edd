// Command chartkeeperd is Chartkeeper's central sync server. It stores the
// practices' sealed revisions and hands them to the practices' other
// workstations; it never holds a key and cannot read patient data.
//
//	chartkeeperd --data DIR [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--postgres URL] [--quota SIZE]
//	             [--registration-secret-file FILE | --open-registration] [--max-conns N]
//
// On first start without --tls-cert it makes a self-signed certificate in
// DIR and prints its SHA-256 fingerprint, which workstations pin. It
// stores in DIR/server.db (bbolt), or with --postgres in a PostgreSQL
// database (syncserver/pgbackend), which several chartkeeperd processes may
// share. The database's password may be in the URL, in PGPASSWORD or in
// ~/.pgpass; it is never printed or logged. --quota limits each practice's
// stored bytes (everything the server keeps for it: sealed revisions and
// their parent lists, documents, audit logs, devices, enrollments); 20 GB
// by default, "unlimited" lifts it.
//
// New practices register only with the registration secret (in the file
// --registration-secret-file names, else in $CHARTKEEPERD_REGISTRATION_SECRET),
// or by anyone with --open-registration; with neither, the server serves
// the practices it has and accepts no new one. --max-conns caps open
// connections (2,000 by default); docs/SECURITY.md has the server's other
// limits.
//
//	chartkeeperd items list|remove (--data DIR | --postgres URL) --practice P [--device D] ...
//
// lists and removes what a practice's devices pushed (items.go): the
// operator's answer to a device whose pushes workstations set aside.
//
//	chartkeeperd keys show|clear (--data DIR | --postgres URL) --practice P
//
// shows or forgets a practice's administration and recovery public keys
// (keys.go), so that its HIM manager can claim them again.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
	"chartkeeper/syncserver/pgbackend"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// run runs the server until ctx ends. ready, when not nil, receives the
// address it listens on.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	if len(args) > 0 && args[0] == "items" {
		return runItems(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "keys" {
		return runKeys(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("chartkeeperd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "the server's data `folder` (storage, certificate)")
	listen := fs.String("listen", ":8443", "listen on `address` (host:port)")
	certFile := fs.String("tls-cert", "", "use this certificate `file` (PEM) instead of a self-signed one")
	keyFile := fs.String("tls-key", "", "the private key `file` (PEM) of --tls-cert")
	hosts := fs.String("host", "", "comma-separated `names` and addresses for the self-signed certificate")
	regFile := fs.String("registration-secret-file", "", "accept new practices only with the secret in `file` (else $CHARTKEEPERD_REGISTRATION_SECRET; with neither, none)")
	openReg := fs.Bool("open-registration", false, "let anyone register a new practice, without a registration secret")
	maxConns := fs.Int("max-conns", syncserver.DefaultMaxConns, "keep at most `n` connections open (the oldest idle or unauthenticated one is closed first)")
	postgres := fs.String("postgres", "", "store in the PostgreSQL database at `URL` (postgres://user@host:port/db) instead of in the data folder")
	quiet := fs.Bool("quiet", false, "do not log requests")
	quotaArg := fs.String("quota", "20GB", "limit each practice's storage (records, documents, audit logs, devices, enrollments) to `size`, or \"unlimited\"")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chartkeeperd --data FOLDER [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--postgres URL]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "chartkeeperd: "+format+"\n", a...)
		return code
	}
	if fs.NArg() > 0 {
		return fail(exitUsage, "unexpected argument %q", fs.Arg(0))
	}
	if *data == "" {
		return fail(exitUsage, "give the data folder with --data FOLDER")
	}
	if *maxConns < 10 {
		return fail(exitUsage, "--max-conns: at least 10")
	}
	quota, err := syncserver.ParseSize(*quotaArg)
	if err != nil {
		return fail(exitUsage, "--quota: %v", err)
	}
	secret := os.Getenv("CHARTKEEPERD_REGISTRATION_SECRET")
	if *regFile != "" {
		b, err := os.ReadFile(*regFile)
		if err != nil {
			return fail(exitFailed, "reading the registration secret: %v", err)
		}
		secret = strings.TrimSpace(string(b))
		if secret == "" {
			return fail(exitFailed, "the registration secret file %s is empty", *regFile)
		}
	}
	if secret != "" && *openReg {
		return fail(exitUsage, "give a registration secret or --open-registration, not both")
	}
	var hostList []string
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hostList = append(hostList, h)
		}
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fail(exitFailed, "%v", err)
	}
	cert, fp, created, err := syncserver.LoadOrCreateCert(*data, *certFile, *keyFile, hostList)
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	backend, where, err := openBackend(ctx, *data, *postgres)
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	defer backend.Close()

	var logger *slog.Logger
	if !*quiet {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	opts := []syncserver.Option{syncserver.WithRegistrationSecret(secret), syncserver.WithLogger(logger), syncserver.WithQuota(quota)}
	if *openReg {
		opts = append(opts, syncserver.WithOpenRegistration())
	}
	handler := syncserver.NewServer(backend, opts...)
	tcp, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	ln := syncserver.LimitConns(tcp, *maxConns)
	srv := &http.Server{
		Handler:   handler,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// The TLS handshake and the headers must arrive within seconds;
		// the handler bounds the body (seconds until the device is
		// authenticated, then minutes for a full push over a slow link).
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      5 * time.Minute, // beyond the longest long-poll
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ConnContext:       ln.ConnContext,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(stderr, nil).WithAttrs([]slog.Attr{slog.String("from", "http")}), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(handler.Close)
	if pb, ok := backend.(*pgbackend.Backend); ok {
		// Pushes through other chartkeeperd processes on the database
		// wake this one's long-polls.
		pb.OnRemotePush(handler.Wake)
	}
	if created {
		fmt.Fprintf(stdout, "made a self-signed certificate in %s\n", *data)
	}
	if *certFile == "" {
		fmt.Fprintf(stdout, "certificate fingerprint (SHA-256): %s\n", fp)
	} else {
		fmt.Fprintf(stdout, "certificate %s, fingerprint (SHA-256): %s\n", *certFile, fp)
	}
	fmt.Fprintf(stdout, "storing in %s\n", where)
	if quota > 0 {
		fmt.Fprintf(stdout, "storage quota per practice: %s\n", syncserver.FormatSize(quota))
	} else {
		fmt.Fprintln(stdout, "storage quota per practice: unlimited")
	}
	switch {
	case *openReg:
		fmt.Fprintln(stdout, "registration of new practices: open to anyone")
	case secret != "":
		fmt.Fprintln(stdout, "registration of new practices: with the registration secret")
	default:
		fmt.Fprintln(stdout, "registration of new practices: closed (give --registration-secret-file or --open-registration)")
	}
	fmt.Fprintf(stdout, "listening on https://%s\n", ln.Addr())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return fail(exitFailed, "%v", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	fmt.Fprintln(stdout, "stopped")
	return exitOK
}

// openBackend opens the server's storage: the bbolt file in dir, or the
// PostgreSQL database at pgURL. where names it for the log, without the
// database's password.
func openBackend(ctx context.Context, dir, pgURL string) (b syncserver.Backend, where string, err error) {
	if pgURL == "" {
		b, err := boltbackend.Open(dir)
		return b, filepath.Join(dir, boltbackend.FileName), err
	}
	cfg, err := pgx.ParseConfig(pgURL)
	if err != nil {
		return nil, "", errors.New("--postgres: not a valid PostgreSQL URL (postgres://user@host:port/database)")
	}
	where = "PostgreSQL at " + pgbackend.Where(cfg)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pb, err := pgbackend.Open(ctx, pgURL, pgbackend.Options{})
	if err != nil {
		return nil, "", errors.New(hidePassword(err.Error(), cfg.Password))
	}
	return pb, where, nil
}

// hidePassword takes a password out of a message, as written and as a URL
// would carry it.
func hidePassword(msg, pw string) string {
	if pw == "" {
		return msg
	}
	for _, p := range []string{pw, url.PathEscape(pw), url.QueryEscape(pw), url.UserPassword("", pw).String()[1:]} {
		if p != "" {
			msg = strings.ReplaceAll(msg, p, "********")
		}
	}
	return msg
}
