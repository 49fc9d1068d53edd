package pgbackend

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"chartkeeper/store"
	"chartkeeper/syncserver"
)

// What devices pushed, listed and removed for the operator (chartkeeperd
// items). Removing leaves the sequence counters (ck_practices.last_seq,
// ck_blob_seqs) as they are, so the ends Changes and BlobFeed report never
// go back.

// Items implements syncserver.Backend.
func (b *Backend) Items(ctx context.Context, pid string, f syncserver.ItemFilter) (out []syncserver.Item, err error) {
	err = b.inTx(ctx, func(tx pgx.Tx) error {
		if err := practiceExists(ctx, tx, pid); err != nil {
			return err
		}
		out, err = listItems(ctx, tx, pid, f)
		return err
	})
	return out, err
}

// itemQueries are the listing of each kind: device, sequence, ID,
// revision, size, for the practice ($1) and device ($2, or every device
// when empty), in order.
var itemQueries = []struct{ kind, sql string }{
	{syncserver.ItemRevision, `SELECT device, seq, record_id, rev, length(sealed) FROM ck_revs
WHERE practice_id = $1 AND ($2 = '' OR device = $2) ORDER BY seq`},
	{syncserver.ItemDocument, `SELECT device, coalesce(seq, 0), id, '', size FROM ck_blobs
WHERE practice_id = $1 AND ($2 = '' OR device = $2) ORDER BY coalesce(seq, 0), id`},
	{syncserver.ItemAudit, `SELECT device, seq, '', '', length(stored) FROM ck_audit_entries
WHERE practice_id = $1 AND ($2 = '' OR device = $2) ORDER BY device, seq`},
}

func listItems(ctx context.Context, tx pgx.Tx, pid string, f syncserver.ItemFilter) ([]syncserver.Item, error) {
	var out []syncserver.Item
	for _, q := range itemQueries {
		if f.Kind != "" && f.Kind != q.kind {
			continue
		}
		rows, err := tx.Query(ctx, q.sql, pid, f.Device)
		if err != nil {
			return nil, err
		}
		var (
			device, id, rev string
			seq, size       int64
		)
		_, err = pgx.ForEachRow(rows, []any{&device, &seq, &id, &rev, &size}, func() error {
			it := syncserver.Item{Kind: q.kind, Device: device, Seq: uint64(seq), ID: id, Rev: rev, Size: size}
			if f.Match(it) {
				out = append(out, it)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RemoveItems implements syncserver.Backend.
func (b *Backend) RemoveItems(ctx context.Context, pid string, f syncserver.ItemFilter) (n int, err error) {
	if f.Device == "" {
		return 0, syncserver.ErrNoDevice
	}
	err = b.inTx(ctx, func(tx pgx.Tx) error {
		n = 0
		// The practice's row lock orders this after pushes in progress.
		if _, err := lockPractice(ctx, tx, pid); err != nil {
			return err
		}
		items, err := listItems(ctx, tx, pid, f)
		if err != nil {
			return err
		}
		var (
			freed          int64
			ids, revs      []string
			docs           []string
			auditFrom      int64
			removedRevSeqs []int64
		)
		for _, it := range items {
			switch it.Kind {
			case syncserver.ItemRevision:
				ids, revs = append(ids, it.ID), append(revs, it.Rev)
				removedRevSeqs = append(removedRevSeqs, int64(it.Seq))
			case syncserver.ItemDocument:
				docs = append(docs, it.ID)
			case syncserver.ItemAudit:
				if auditFrom == 0 || int64(it.Seq) < auditFrom {
					auditFrom = int64(it.Seq)
				}
			}
		}
		if len(removedRevSeqs) > 0 {
			// A revision staying must not continue one that goes.
			var child, parent, record string
			err := tx.QueryRow(ctx, `SELECT c.record_id, c.rev, k.rev FROM ck_revs c
JOIN unnest($2::text[], $3::text[]) AS k(record_id, rev)
  ON c.practice_id = $1 AND c.record_id = k.record_id AND k.rev = ANY(c.parents)
WHERE NOT (c.seq = ANY($4::bigint[])) LIMIT 1`, pid, ids, revs, removedRevSeqs).Scan(&record, &child, &parent)
			if err == nil {
				return fmt.Errorf("%w (record %s revision %s continues revision %s)", syncserver.ErrItemHasChildren, record, child, parent)
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			var size int64
			if err := tx.QueryRow(ctx, `WITH gone AS (
  DELETE FROM ck_revs WHERE practice_id = $1 AND seq = ANY($2::bigint[])
  RETURNING octet_length(record_id) + octet_length(rev) + length(sealed) + $3 +
    (SELECT coalesce(sum(octet_length(x) + 1), 0) FROM unnest(parents) x) AS size)
SELECT coalesce(sum(size), 0) FROM gone`, pid, removedRevSeqs, syncserver.ItemOverhead).Scan(&size); err != nil {
				return err
			}
			freed += size
			n += len(removedRevSeqs)
		}
		if len(docs) > 0 {
			var size int64
			if err := tx.QueryRow(ctx, `WITH gone AS (
  DELETE FROM ck_blob_chunks WHERE practice_id = $1 AND id = ANY($2::text[]) RETURNING length(sealed) AS size)
SELECT coalesce(sum(size), 0) FROM gone`, pid, docs).Scan(&size); err != nil {
				return err
			}
			freed += size
			if err := tx.QueryRow(ctx, `WITH gone AS (
  DELETE FROM ck_blobs WHERE practice_id = $1 AND id = ANY($2::text[]) RETURNING $3 + coalesce(length(header), 0) AS size)
SELECT coalesce(sum(size), 0) FROM gone`, pid, docs, syncserver.BlobBeginSize).Scan(&size); err != nil {
				return err
			}
			freed += size
			n += len(docs)
		}
		if auditFrom > 0 {
			// A chain has no holes: the stream loses its tail.
			var size, count int64
			if err := tx.QueryRow(ctx, `WITH gone AS (
  DELETE FROM ck_audit_entries WHERE practice_id = $1 AND device = $2 AND seq >= $3 RETURNING length(stored) + 8 AS size)
SELECT coalesce(sum(size), 0), count(*) FROM gone`, pid, f.Device, auditFrom).Scan(&size, &count); err != nil {
				return err
			}
			freed += size
			n += int(count)
			var hash []byte
			if auditFrom > 1 {
				var prev []byte
				if err := tx.QueryRow(ctx, `SELECT stored FROM ck_audit_entries WHERE practice_id = $1 AND device = $2 AND seq = $3`,
					pid, f.Device, auditFrom-1).Scan(&prev); err != nil {
					return err
				}
				h := store.AuditEntryHash(uint64(auditFrom-1), prev)
				hash = h[:]
			}
			if _, err := tx.Exec(ctx, `UPDATE ck_audit_streams SET seq = $3, hash = $4, refused_at = NULL, refused_seq = NULL, refused_reason = NULL
WHERE practice_id = $1 AND device = $2`, pid, f.Device, auditFrom-1, hash); err != nil {
				return err
			}
		}
		if freed == 0 {
			return nil
		}
		return b.addUsage(ctx, tx, pid, -freed)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
