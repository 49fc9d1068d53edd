package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"

	"chartkeeper/syncserver"
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
	c, code, ok := newOperatorCmd("keys", []string{"show", "clear"}, "say show or clear (chartkeeperd keys show --data FOLDER --practice ID)", args, stderr, nil)
	if !ok {
		return code
	}
	b, code, ok := c.open(ctx)
	if !ok {
		return code
	}
	defer b.Close()
	keys, err := b.PracticeKeys(ctx, *c.practice)
	if err != nil {
		return c.failed(err)
	}
	if c.verb == "clear" {
		if err := b.ReplacePracticeKeys(ctx, *c.practice, keys, syncserver.PracticeKeys{}); err != nil {
			return c.failed(err)
		}
		fmt.Fprintf(stdout, "forgot the keys of practice %s: its next 'ckadmin sync set-admin-key' sets them\n", *c.practice)
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
