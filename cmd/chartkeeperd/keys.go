package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// The operator's command for a practice's administration and recovery
// keys (see "Administration signatures" in docs/SYNC.md):
//
//	chartkeeperd keys show  (--data DIR | --postgres URL) --practice P
//	chartkeeperd keys clear (--data DIR | --postgres URL) --practice P
//
// show prints the public keys the server holds for the practice. clear
// forgets them, so the practice is back to a first claim: the next HIM
// manager's `ckadmin sync set-admin-key` sets them again. It is for a
// practice whose keys someone else claimed first, or that lost its
// recovery key; until the claim, the server refuses every revocation and
// enrollment code of the practice. The operator should hear from the
// practice by a channel they trust before clearing, and ask its HIM
// manager to claim at once. On bbolt the server must be stopped.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "chartkeeperd keys: "+format+"\n", a...)
		return code
	}
	if len(args) == 0 || args[0] != "show" && args[0] != "clear" {
		return fail(exitUsage, "say show or clear (chartkeeperd keys show --data FOLDER --practice ID)")
	}
	verb := args[0]
	fs := flag.NewFlagSet("chartkeeperd keys "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "the server's data `folder` (bbolt storage)")
	postgres := fs.String("postgres", "", "the PostgreSQL database at `URL` instead of the data folder")
	practice := fs.String("practice", "", "the practice's `ID`")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(exitUsage, "unexpected argument %q", fs.Arg(0))
	}
	if *data == "" && *postgres == "" {
		return fail(exitUsage, "give the server's data folder with --data FOLDER, or its database with --postgres URL")
	}
	if *practice == "" {
		return fail(exitUsage, "give the practice with --practice ID")
	}
	dir := *data
	if *postgres != "" {
		dir = ""
	}
	b, _, err := openBackend(ctx, dir, *postgres)
	if errors.Is(err, boltbackend.ErrInUse) {
		return fail(exitFailed, "the server's storage in %s is in use: stop chartkeeperd first", *data)
	}
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	defer b.Close()
	keys, err := b.PracticeKeys(ctx, *practice)
	if errors.Is(err, syncproto.ErrUnknownPractice) {
		return fail(exitFailed, "no practice %s on this server", *practice)
	}
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	if verb == "clear" {
		if err := b.ReplacePracticeKeys(ctx, *practice, keys, syncserver.PracticeKeys{}); err != nil {
			return fail(exitFailed, "%v", err)
		}
		fmt.Fprintf(stdout, "forgot the keys of practice %s: its next 'ckadmin sync set-admin-key' sets them\n", *practice)
		return exitOK
	}
	show := func(k []byte) string {
		if len(k) == 0 {
			return "none"
		}
		return hex.EncodeToString(k)
	}
	fmt.Fprintf(stdout, "administration key: %s\nrecovery key: %s\n", show(keys.Admin), show(keys.Recovery))
	return exitOK
}
