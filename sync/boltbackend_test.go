package sync_test

import (
	"testing"

	"chartkeeper/sync"
	"chartkeeper/sync/backendtest"
)

func TestBoltBackend(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (sync.Backend, func() sync.Backend) {
		dir := t.TempDir()
		b, err := sync.OpenBolt(dir)
		if err != nil {
			t.Fatal(err)
		}
		cur := b
		t.Cleanup(func() { cur.Close() })
		return b, func() sync.Backend {
			cur.Close()
			nb, err := sync.OpenBolt(dir)
			if err != nil {
				t.Fatal(err)
			}
			cur = nb
			return nb
		}
	})
}
