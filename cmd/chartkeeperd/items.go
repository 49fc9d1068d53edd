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

	"chartkeeper/syncserver"
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
	var device, kind, seqs, ids *string
	var all, asJSON *bool
	c, code, ok := newOperatorCmd("items", []string{"list", "remove"}, "say list or remove (chartkeeperd items list --data FOLDER --practice ID [--device ID])", args, stderr, func(fs *flag.FlagSet) {
		device = fs.String("device", "", "only what the device with this `ID` pushed")
		kind = fs.String("kind", "", "only items of this `kind`: revision, document or audit")
		seqs = fs.String("seq", "", "only the items with these sequence `numbers` (comma-separated): a revision's server sequence, a document's blob sequence, an audit entry's number (its log loses the entries from there on)")
		ids = fs.String("id", "", "only the items with these `IDs` (comma-separated): record IDs of revisions, document IDs")
		all = fs.Bool("all", false, "remove: every item of the device (and kind)")
		asJSON = fs.Bool("json", false, "list: one JSON object per line")
	})
	if !ok {
		return code
	}
	fail, verb := c.fail, c.verb
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
	b, code, ok := c.open(ctx)
	if !ok {
		return code
	}
	defer b.Close()
	if verb == "remove" {
		n, err := b.RemoveItems(ctx, *c.practice, f)
		switch {
		case errors.Is(err, syncserver.ErrItemHasChildren):
			return fail(exitFailed, "nothing removed: %v", err)
		case err != nil:
			return c.failed(err)
		}
		fmt.Fprintf(stdout, "removed %d items of device %s\n", n, f.Device)
		return exitOK
	}
	items, err := b.Items(ctx, *c.practice, f)
	if err != nil {
		return c.failed(err)
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
