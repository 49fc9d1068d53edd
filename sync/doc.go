// Package sync is where Chartkeeper's sync protocol lives: the client engine
// that pushes a workstation's sealed revisions and pulls the practice's
// others through a central server, the server handler, and the server's
// storage backends. It reads the store's local change feed (store.Tx.Changes)
// to find what to push. See DESIGN.md's sync section for the rules it follows.
//
// Nothing is implemented here yet; the store already records everything sync
// needs (content-addressed revisions with parents, a change feed, HLC times).
package sync
