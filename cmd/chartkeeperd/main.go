// Command chartkeeperd is Chartkeeper's central sync server. It stores the
// practices' sealed revisions and hands them to the practices' other
// workstations; it never holds a key and cannot read patient data.
//
//	chartkeeperd --data DIR [--listen ADDR] [--tls-cert FILE --tls-key FILE]
//
// On first start without --tls-cert it makes a self-signed certificate in
// DIR and prints its SHA-256 fingerprint, which workstations pin.
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
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"chartkeeper/sync"
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
	fs := flag.NewFlagSet("chartkeeperd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "the server's data `folder` (storage, certificate)")
	listen := fs.String("listen", ":8443", "listen on `address` (host:port)")
	certFile := fs.String("tls-cert", "", "use this certificate `file` (PEM) instead of a self-signed one")
	keyFile := fs.String("tls-key", "", "the private key `file` (PEM) of --tls-cert")
	hosts := fs.String("host", "", "comma-separated `names` and addresses for the self-signed certificate")
	regFile := fs.String("registration-secret-file", "", "accept new practices only with the secret in `file` (else $CHARTKEEPERD_REGISTRATION_SECRET, else any)")
	postgres := fs.String("postgres", "", "store in PostgreSQL at `URL` (not available yet)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chartkeeperd --data FOLDER [--listen ADDR] [--tls-cert FILE --tls-key FILE]")
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
	if *postgres != "" {
		return fail(exitUsage, "--postgres is not available in this version; leave it out to store in %s", *data)
	}
	secret := os.Getenv("CHARTKEEPERD_REGISTRATION_SECRET")
	if *regFile != "" {
		b, err := os.ReadFile(*regFile)
		if err != nil {
			return fail(exitFailed, "reading the registration secret: %v", err)
		}
		secret = strings.TrimSpace(string(b))
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
	cert, fp, created, err := sync.LoadOrCreateCert(*data, *certFile, *keyFile, hostList)
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	backend, err := sync.OpenBolt(*data)
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	defer backend.Close()

	var logger *slog.Logger
	if !*quiet {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	handler := sync.NewServer(backend, sync.ServerOptions{RegistrationSecret: secret, Logger: logger})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	srv := &http.Server{
		Handler:           handler,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a full push over a slow link
		WriteTimeout:      5 * time.Minute, // beyond the longest long-poll
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(stderr, nil).WithAttrs([]slog.Attr{slog.String("from", "http")}), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(handler.Close)
	if created {
		fmt.Fprintf(stdout, "made a self-signed certificate in %s\n", *data)
	}
	if *certFile == "" {
		fmt.Fprintf(stdout, "certificate fingerprint (SHA-256): %s\n", fp)
	} else {
		fmt.Fprintf(stdout, "certificate %s, fingerprint (SHA-256): %s\n", *certFile, fp)
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
