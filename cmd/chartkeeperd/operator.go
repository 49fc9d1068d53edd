package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// operatorCmd is what the operator's commands on one practice's storage
// (keys, items) share: a verb, the flags that name the storage and the
// practice, their checks, opening the storage and the messages.
type operatorCmd struct {
	name   string // "keys", "items"
	verb   string
	stderr io.Writer
	// The storage (--data or --postgres) and the practice (--practice).
	data, postgres, practice *string
}

// newOperatorCmd reads the verb, the first of args, which must be one of
// verbs (usage says how to call the command), and the flags after it:
// those every operator command takes, and those more adds. It checks that
// the storage and the practice are named. ok is false when the command
// stops here: code is then its exit status (exitOK for --help), the
// problem said on stderr.
func newOperatorCmd(name string, verbs []string, usage string, args []string, stderr io.Writer, more func(*flag.FlagSet)) (c *operatorCmd, code int, ok bool) {
	c = &operatorCmd{name: name, stderr: stderr}
	if len(args) == 0 || !slices.Contains(verbs, args[0]) {
		return nil, c.fail(exitUsage, "%s", usage), false
	}
	c.verb = args[0]
	fs := flag.NewFlagSet("chartkeeperd "+name+" "+c.verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.data = fs.String("data", "", "the server's data `folder` (bbolt storage)")
	c.postgres = fs.String("postgres", "", "the PostgreSQL database at `URL` instead of the data folder")
	c.practice = fs.String("practice", "", "the practice's `ID`")
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK, false
		}
		return nil, exitUsage, false
	}
	switch {
	case fs.NArg() > 0:
		return nil, c.fail(exitUsage, "unexpected argument %q", fs.Arg(0)), false
	case *c.data == "" && *c.postgres == "":
		return nil, c.fail(exitUsage, "give the server's data folder with --data FOLDER, or its database with --postgres URL"), false
	case *c.practice == "":
		return nil, c.fail(exitUsage, "give the practice with --practice ID"), false
	}
	return c, exitOK, true
}

// fail says a problem on stderr, after the command's name, and returns
// code.
func (c *operatorCmd) fail(code int, format string, a ...any) int {
	fmt.Fprintf(c.stderr, "chartkeeperd "+c.name+": "+format+"\n", a...)
	return code
}

// open opens the server's storage: the PostgreSQL database when one is
// named, else the bbolt file in the data folder, which the server must
// not hold. ok is false when it cannot be opened, said on stderr; code is
// then the exit status.
func (c *operatorCmd) open(ctx context.Context) (b syncserver.Backend, code int, ok bool) {
	dir := *c.data
	if *c.postgres != "" {
		dir = ""
	}
	b, _, err := openBackend(ctx, dir, *c.postgres)
	if errors.Is(err, boltbackend.ErrInUse) {
		return nil, c.fail(exitFailed, "the server's storage in %s is in use: stop chartkeeperd first", *c.data), false
	}
	if err != nil {
		return nil, c.fail(exitFailed, "%v", err), false
	}
	return b, exitOK, true
}

// failed says err, an error of the storage about the practice, on
// stderr and returns the exit status.
func (c *operatorCmd) failed(err error) int {
	if errors.Is(err, syncproto.ErrUnknownPractice) {
		return c.fail(exitFailed, "no practice %s on this server", *c.practice)
	}
	return c.fail(exitFailed, "%v", err)
}
