package boltbackend

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// What devices pushed, listed and removed for the operator (chartkeeperd
// items). Removing never lowers a bucket's sequence counter, so the ends
// Changes and BlobFeed report (from those counters) never go back.

// logHeader reads the routing fields of a log entry and the length of its
// sealed bytes.
func logHeader(v []byte) (device, id, rev string, parents []string, sealed int, err error) {
	r := logReader{b: v}
	device, id, rev = r.str(), r.str(), r.str()
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > 64 {
		return "", "", "", nil, 0, errBadLog
	}
	r.b = r.b[k:]
	for i := uint64(0); i < n; i++ {
		parents = append(parents, r.str())
	}
	if r.bad {
		return "", "", "", nil, 0, errBadLog
	}
	return device, id, rev, parents, len(r.b), nil
}

func (b *backend) Items(ctx context.Context, pid string, f syncserver.ItemFilter) (out []syncserver.Item, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		out = nil
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		out, err = listItems(p, f)
		return err
	})
	return out, err
}

func listItems(p *bolt.Bucket, f syncserver.ItemFilter) ([]syncserver.Item, error) {
	var out []syncserver.Item
	keep := func(it syncserver.Item) {
		if f.Match(it) {
			out = append(out, it)
		}
	}
	if f.Kind == "" || f.Kind == syncserver.ItemRevision {
		c := p.Bucket(bLog).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			device, id, rev, _, n, err := logHeader(v)
			if err != nil || len(k) != 8 {
				return nil, errBadLog
			}
			keep(syncserver.Item{Kind: syncserver.ItemRevision, Device: device, Seq: binary.BigEndian.Uint64(k), ID: id, Rev: rev, Size: int64(n)})
		}
	}
	if f.Kind == "" || f.Kind == syncserver.ItemDocument {
		var docs []syncserver.Item
		if meta := p.Bucket(bBlobs); meta != nil {
			err := meta.ForEach(func(k, v []byte) error {
				var m blobMeta
				if err := json.Unmarshal(v, &m); err != nil {
					return err
				}
				it := syncserver.Item{Kind: syncserver.ItemDocument, Device: m.Device, Seq: m.Seq, ID: string(k), Size: m.Size}
				if f.Match(it) {
					docs = append(docs, it)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		slices.SortStableFunc(docs, func(a, b syncserver.Item) int { return cmp.Compare(a.Seq, b.Seq) })
		out = append(out, docs...)
	}
	if f.Kind == "" || f.Kind == syncserver.ItemAudit {
		if ab := p.Bucket(bAudit); ab != nil {
			err := ab.ForEachBucket(func(dev []byte) error {
				if f.Device != "" && f.Device != string(dev) {
					return nil
				}
				return ab.Bucket(dev).ForEach(func(k, v []byte) error {
					if len(k) == 8 && !bytes.Equal(k, kMeta) {
						keep(syncserver.Item{Kind: syncserver.ItemAudit, Device: string(dev), Seq: binary.BigEndian.Uint64(k), Size: int64(len(v))})
					}
					return nil
				})
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (b *backend) RemoveItems(ctx context.Context, pid string, f syncserver.ItemFilter) (n int, err error) {
	if f.Device == "" {
		return 0, syncserver.ErrNoDevice
	}
	err = b.db.Update(func(tx *bolt.Tx) error {
		n = 0
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		items, err := listItems(p, f)
		if err != nil {
			return err
		}
		var freed int64
		type revKey struct{ id, rev string }
		gone := map[revKey]bool{}
		for _, it := range items {
			if it.Kind == syncserver.ItemRevision {
				gone[revKey{it.ID, it.Rev}] = true
			}
		}
		idx, log := p.Bucket(bIndex), p.Bucket(bLog)
		var auditFrom uint64
		for _, it := range items {
			switch it.Kind {
			case syncserver.ItemRevision:
				// Every revision of the record that names it as a parent
				// must go too.
				prefix := append([]byte(it.ID), 0)
				c := idx.Cursor()
				for k, sv := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, sv = c.Next() {
					_, _, rev, parents, _, err := logHeader(log.Get(sv))
					if err != nil {
						return err
					}
					if slices.Contains(parents, it.Rev) && !gone[revKey{it.ID, rev}] {
						return fmt.Errorf("%w (record %s revision %s continues revision %s)", syncserver.ErrItemHasChildren, it.ID, rev, it.Rev)
					}
				}
				k := binary.BigEndian.AppendUint64(nil, it.Seq)
				_, _, _, parents, size, err := logHeader(log.Get(k))
				if err != nil {
					return err
				}
				freed += syncserver.RevSize(syncproto.Rev{RecordID: it.ID, Rev: it.Rev, Parents: parents}) + int64(size)
				if err := log.Delete(k); err != nil {
					return err
				}
				if err := idx.Delete(indexKey(it.ID, it.Rev)); err != nil {
					return err
				}
			case syncserver.ItemDocument:
				meta, data, feed := p.Bucket(bBlobs), p.Bucket(bBlobData), p.Bucket(bBlobFeed)
				freed += syncserver.BlobBeginSize
				prefix := append([]byte(it.ID), 0)
				var keys [][]byte
				c := data.Cursor()
				for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
					keys = append(keys, bytes.Clone(k))
					freed += int64(len(v))
				}
				for _, k := range keys {
					if err := data.Delete(k); err != nil {
						return err
					}
				}
				if it.Seq > 0 {
					if err := feed.Delete(binary.BigEndian.AppendUint64(nil, it.Seq)); err != nil {
						return err
					}
				}
				if err := meta.Delete([]byte(it.ID)); err != nil {
					return err
				}
			case syncserver.ItemAudit:
				if auditFrom == 0 || it.Seq < auditFrom {
					auditFrom = it.Seq
				}
				continue
			}
			n++
		}
		if auditFrom > 0 {
			// A chain has no holes: the stream loses its tail.
			db := p.Bucket(bAudit).Bucket([]byte(f.Device))
			st, err := auditMeta(db, f.Device)
			if err != nil {
				return err
			}
			for seq := auditFrom; seq <= st.Seq; seq++ {
				k := binary.BigEndian.AppendUint64(nil, seq)
				if v := db.Get(k); v != nil {
					freed += syncserver.AuditEntrySize(v)
					if err := db.Delete(k); err != nil {
						return err
					}
					n++
				}
			}
			st.Seq, st.Hash, st.Refused = auditFrom-1, nil, nil
			if st.Seq > 0 {
				prev := db.Get(binary.BigEndian.AppendUint64(nil, st.Seq))
				if prev == nil {
					return errBadLog
				}
				h := store.AuditEntryHash(st.Seq, prev)
				st.Hash = h[:]
			}
			st.Name = ""
			v, err := json.Marshal(st)
			if err != nil {
				return err
			}
			if err := db.Put(kMeta, v); err != nil {
				return err
			}
		}
		return b.addUsage(p, -freed)
	})
	return n, err
}
