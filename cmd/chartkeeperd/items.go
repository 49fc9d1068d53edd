package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// The operator's command for what devices pushed:
//
//	chartkeeperd items list   (--data DIR | --postgres URL) --practice P [--device D] [--kind K] [--json]
//	chartkeeperd items remove (--data DIR | --postgres URL) --practice P --device D [--kind K]
//	                          (--seq N,... | --id ID,... | --all)
//
// Kinds: revision, document, audit. A workstation sets aside a revision,
// document or audit entry that fails its checks and names the device the
// server said sent it; with this command the operator finds what that
// device pushed and removes it. On bbolt the server must be stopped (it
// holds its file); PostgreSQL serves on meanwhile. docs/SYNC.md has the
// rules removal keeps.
func runItems(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "chartkeeperd items: "+format+"\n", a...)
		return code
	}
	if len(args) == 0 || args[0] != "list" && args[0] != "remove" {
		return fail(exitUsage, "say list or remove (chartkeeperd items list --data FOLDER --practice ID [--device ID])")
	}
	verb := args[0]
	fs := flag.NewFlagSet("chartkeeperd items "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "the server's data `folder` (bbolt storage)")
	postgres := fs.String("postgres", "", "the PostgreSQL database at `URL` instead of the data folder")
	practice := fs.String("practice", "", "the practice's `ID`")
	device := fs.String("device", "", "only what the device with this `ID` pushed")
	kind := fs.String("kind", "", "only items of this `kind`: revision, document or audit")
	seqs := fs.String("seq", "", "only the items with these sequence `numbers` (comma-separated): a revision's server sequence, a document's blob sequence, an audit entry's number (its log loses the entries from there on)")
	ids := fs.String("id", "", "only the items with these `IDs` (comma-separated): record IDs of revisions, document IDs")
	all := fs.Bool("all", false, "remove: every item of the device (and kind)")
	asJSON := fs.Bool("json", false, "list: one JSON object per line")
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
	f := syncserver.ItemFilter{Device: *device, Kind: *kind}
	switch f.Kind {
	case "", syncserver.ItemRevision, syncserver.ItemDocument, syncserver.ItemAudit:
	default:
		return fail(exitUsage, "--kind: revision, document or audit, not %q", f.Kind)
	}
	for _, s := range splitList(*seqs) {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return fail(exitUsage, "--seq: %q is not a sequence number", s)
		}
		f.Seqs = append(f.Seqs, n)
	}
	f.IDs = splitList(*ids)
	if verb == "remove" {
		if f.Device == "" {
			return fail(exitUsage, "give the device whose items are removed with --device ID")
		}
		if (len(f.Seqs) > 0 || len(f.IDs) > 0) == *all {
			return fail(exitUsage, "say which items go with --seq or --id, or --all for every item of the device (and --kind)")
		}
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
	if verb == "remove" {
		n, err := b.RemoveItems(ctx, *practice, f)
		switch {
		case errors.Is(err, syncproto.ErrUnknownPractice):
			return fail(exitFailed, "no practice %s on this server", *practice)
		case errors.Is(err, syncserver.ErrItemHasChildren):
			return fail(exitFailed, "nothing removed: %v", err)
		case err != nil:
			return fail(exitFailed, "%v", err)
		}
		fmt.Fprintf(stdout, "removed %d items of device %s\n", n, f.Device)
		return exitOK
	}
	items, err := b.Items(ctx, *practice, f)
	if errors.Is(err, syncproto.ErrUnknownPractice) {
		return fail(exitFailed, "no practice %s on this server", *practice)
	}
	if err != nil {
		return fail(exitFailed, "%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, it := range items {
			enc.Encode(it)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tDEVICE\tSEQ\tID\tREVISION\tBYTES")
	for _, it := range items {
		seq := strconv.FormatUint(it.Seq, 10)
		if it.Kind == syncserver.ItemDocument && it.Seq == 0 {
			seq = "-" // an upload not committed
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", it.Kind, it.Device, seq, it.ID, it.Rev, it.Size)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d items\n", len(items))
	return exitOK
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
