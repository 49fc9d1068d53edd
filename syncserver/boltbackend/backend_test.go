package boltbackend_test

import (
	"testing"

	"chartkeeper/syncserver"
	"chartkeeper/syncserver/backendtest"
	"chartkeeper/syncserver/boltbackend"
)

func TestBackendSuite(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (syncserver.Backend, func() syncserver.Backend) {
		dir := t.TempDir()
		b, err := boltbackend.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		cur := b
		t.Cleanup(func() { cur.Close() })
		return b, func() syncserver.Backend {
			cur.Close()
			nb, err := boltbackend.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			cur = nb
			return nb
		}
	})
}
