package store

import (
	"fmt"
)

// bucketCache holds sealed values a program derives from the records and
// keeps to start faster (chart's patient finder). It is made on first use,
// needs no migration, and a program must cope with it being empty: a cache
// may be missing, stale or unreadable and is then rebuilt from the records.
var bucketCache = []byte("cache")

// maxCacheName bounds a cache entry's name.
const maxCacheName = 64

// PutCache seals data under the newest general key the session holds
// (caches hold demographics: chart's patient finder) as the cache entry name,
// replacing what was there. Cache entries are local: they are not records,
// are not in the change feed and never sync.
func (tx *Tx) PutCache(name string, data []byte) error {
	if !tx.write {
		return fmt.Errorf("store: write in a read-only transaction")
	}
	if name == "" || len(name) > maxCacheName {
		return fmt.Errorf("%w: cache name", ErrInvalid)
	}
	if tx.sess == nil || tx.sess.key == nil {
		return ErrLocked
	}
	b, err := tx.btx.CreateBucketIfNotExists(bucketCache)
	if err != nil {
		return err
	}
	return b.Put([]byte(name), tx.sess.localKey().seal(nil, data, cacheAD(name)))
}

// Cache opens the cache entry name. It returns nil and no error when there
// is none, and [ErrTampered] when it does not open (another key epoch,
// damage): either way the caller rebuilds it.
func (tx *Tx) Cache(name string) ([]byte, error) {
	if tx.sess == nil || tx.sess.key == nil {
		return nil, ErrLocked
	}
	b := tx.btx.Bucket(bucketCache)
	if b == nil {
		return nil, nil
	}
	v := b.Get([]byte(name))
	if v == nil {
		return nil, nil
	}
	return tx.sess.localKey().open(nil, v, cacheAD(name))
}

func cacheAD(name string) []byte { return adBuilder(nil).str("cache").str(name) }
