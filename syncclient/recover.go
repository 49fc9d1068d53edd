package syncclient

import (
	"context"
	"errors"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// A server put back from an older copy of its storage, or replaced by a
// new one, has lost what was pushed to it since. A client notices on a
// pull (the server's last sequence is below the pull checkpoint, or the
// server names another storage ID than sync.json) or on a push refused
// for a parent the server had acknowledged, and offers everything again:
// the push checkpoints go back to 0 (the server stores only what it
// lacks), the pull checkpoints to 0 (imports are idempotent), and the
// status carries a warning.

// serverID is the storage ID the checkpoints are kept under.
func (c *Client) serverID() string {
	c.sidMu.Lock()
	defer c.sidMu.Unlock()
	return c.cfg.ServerID
}

// serverChanged switches to a new server storage ID: its checkpoints start
// at 0, so everything is offered and pulled again. sync.json is rewritten
// with the new ID.
func (c *Client) serverChanged(id string) error {
	if !store.ValidRecordID(id) {
		return errors.New("the sync server sent a malformed server ID")
	}
	c.pushMu.Lock() // no push moves a checkpoint of the old ID meanwhile
	defer c.pushMu.Unlock()
	c.sidMu.Lock()
	cfg := c.cfg
	cfg.ServerID = id
	c.sidMu.Unlock()
	if dir := c.st.Dir(); dir != "" {
		if err := SaveConfig(dir, cfg); err != nil {
			return err
		}
	}
	c.sidMu.Lock()
	c.cfg.ServerID = id
	c.sidMu.Unlock()
	c.restored("the sync server is a new one (its storage was replaced)")
	return nil
}

// serverRestored resets the current server's checkpoints after it was
// found behind them: both push checkpoints go to 0, and the pull
// checkpoint named by mark, when it is past last (the server's end), to 0.
func (c *Client) serverRestored(mark string, last uint64) error {
	c.pushMu.Lock() // a push under way would move the checkpoint back up
	defer c.pushMu.Unlock()
	err := c.st.Update(func(tx *store.Tx) error {
		for _, m := range []string{c.pushMark(), c.blobPushMark()} {
			if err := tx.SetSyncMark(m, 0); err != nil {
				return err
			}
		}
		if tx.SyncMark(mark) > last {
			// From 0, not from the server's end: another workstation may
			// have offered its changes again already, under sequence
			// numbers below this checkpoint. Imports are idempotent.
			return tx.SetSyncMark(mark, 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.restored("the sync server had lost changes (put back from an older copy?)")
	return nil
}

// restored records the warning and wakes the push loop to send again.
func (c *Client) restored(what string) {
	c.mu.Lock()
	c.resets++
	s := c.status
	s.Warning = what + " on " + c.now().Local().Format("2006-01-02 15:04") + "; this workstation offered all its changes and documents again"
	if s != c.status {
		c.status = s
		close(c.statusC)
		c.statusC = make(chan struct{})
	}
	c.mu.Unlock()
	c.SyncNow()
}

// resetCount is how many times the checkpoints were reset.
func (c *Client) resetCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resets
}

// missingParent reports a push refused because a parent is not on the
// server.
func missingParent(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && errors.Is(se, syncproto.ErrMissingParent)
}

// serverLost handles a push the server refused for a missing parent that
// it had acknowledged before: a pull finds out whether the server went
// back (and resets the checkpoints); if it did not tell, the push
// checkpoints are reset all the same, the pull checkpoint kept.
func (c *Client) serverLost(ctx context.Context) error {
	resets := c.resetCount()
	if _, _, err := c.pullBatch(ctx, 0); err != nil {
		return err
	}
	if c.resetCount() != resets {
		return nil
	}
	return c.serverRestored(c.pullMark(), ^uint64(0))
}
