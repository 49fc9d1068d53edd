package pgbackend

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

type revKey struct{ record, rev string }

// Push implements syncserver.Backend. In one transaction: lock the practice's
// row (pushes to one practice take turns), look up which of the batch's
// revisions and parents are stored, number the new ones from the
// practice's last sequence, copy them in, move the sequence, notify, and
// commit.
func (b *Backend) Push(ctx context.Context, pid, device string, revs []syncproto.Rev) (syncproto.PushResponse, error) {
	var res syncproto.PushResponse
	err := b.inTx(ctx, func(tx pgx.Tx) error {
		res = syncproto.PushResponse{}
		last, err := lockPractice(ctx, tx, pid)
		if err != nil {
			return err
		}
		known, err := storedOf(ctx, tx, pid, revs)
		if err != nil {
			return err
		}
		var (
			rows  [][]any
			added int64
		)
		for i := range revs {
			r := &revs[i]
			k := revKey{r.RecordID, r.Rev}
			if known[k] {
				res.Existing++
				continue
			}
			for _, par := range r.Parents {
				if !known[revKey{r.RecordID, par}] {
					return fmt.Errorf("%w: record %s revision %s", syncproto.ErrMissingParent, r.RecordID, par)
				}
			}
			last++
			known[k] = true
			parents := r.Parents
			if parents == nil {
				parents = []string{}
			}
			rows = append(rows, []any{pid, int64(last), r.RecordID, r.Rev, parents, device, r.Sealed})
			res.Inserted++
			added += syncserver.RevSize(*r)
		}
		res.LastSeq = last
		if len(rows) == 0 {
			return nil
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ck_revs"},
			[]string{"practice_id", "seq", "record_id", "rev", "parents", "device", "sealed"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		if err := b.addUsage(ctx, tx, pid, added); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ck_practices SET last_seq = $2 WHERE id = $1`, pid, int64(last)); err != nil {
			return err
		}
		// Delivered to the listeners when the transaction commits.
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, b.instance+" "+pid)
		return err
	})
	return res, err
}

// storedOf returns which of the batch's revisions and their parents the
// practice holds.
func storedOf(ctx context.Context, tx pgx.Tx, pid string, revs []syncproto.Rev) (map[revKey]bool, error) {
	ids := make([]string, 0, 2*len(revs))
	rvs := make([]string, 0, 2*len(revs))
	for _, r := range revs {
		ids, rvs = append(ids, r.RecordID), append(rvs, r.Rev)
		for _, p := range r.Parents {
			ids, rvs = append(ids, r.RecordID), append(rvs, p)
		}
	}
	known := make(map[revKey]bool, len(revs))
	rows, err := tx.Query(ctx, `SELECT r.record_id, r.rev FROM ck_revs r
JOIN unnest($2::text[], $3::text[]) AS k(record_id, rev)
  ON r.practice_id = $1 AND r.record_id = k.record_id AND r.rev = k.rev`, pid, ids, rvs)
	if err != nil {
		return nil, err
	}
	var k revKey
	_, err = pgx.ForEachRow(rows, []any{&k.record, &k.rev}, func() error {
		known[k] = true
		return nil
	})
	return known, err
}

// changesChunk is how many log rows Changes reads per query.
const changesChunk = 1000

// Changes implements syncserver.Backend, with the bbolt backend's paging: at
// most limit revisions, and past the first at most maxBytes of sealed
// bytes; skipped revisions (skipDevice's) move LastSeq but are not sent,
// nor read.
func (b *Backend) Changes(ctx context.Context, pid string, since uint64, limit, maxBytes int, skip string) (syncproto.ChangesResponse, error) {
	res := syncproto.ChangesResponse{LastSeq: since, Revs: []syncproto.Rev{}}
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM ck_practices WHERE id = $1`, pid).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return syncproto.ErrUnknownPractice
		} else if err != nil {
			return err
		}
		size := 0
		cur := since
		for {
			chunk := min(max(limit+1, 64), changesChunk)
			rows, err := tx.Query(ctx, `SELECT seq, device, record_id, rev, parents,
  CASE WHEN device = $3 THEN NULL ELSE sealed END
FROM ck_revs WHERE practice_id = $1 AND seq > $2 ORDER BY seq LIMIT $4`, pid, int64(cur), skip, chunk)
			if err != nil {
				return err
			}
			n, done := 0, false
			var (
				seq int64
				r   syncproto.Rev
			)
			_, err = pgx.ForEachRow(rows, []any{&seq, &r.Device, &r.RecordID, &r.Rev, &r.Parents, &r.Sealed}, func() error {
				n++
				cur = uint64(seq)
				if done {
					return nil
				}
				if len(res.Revs) >= limit || (len(res.Revs) > 0 && size >= maxBytes) {
					res.More, done = true, true
					return nil
				}
				if skip != "" && r.Device == skip {
					res.LastSeq = uint64(seq)
					return nil
				}
				if len(res.Revs) > 0 && size+len(r.Sealed) > maxBytes {
					res.More, done = true, true
					return nil
				}
				r.Seq = uint64(seq)
				if len(r.Parents) == 0 {
					r.Parents = nil
				}
				size += len(r.Sealed)
				res.Revs = append(res.Revs, r)
				res.LastSeq = r.Seq
				r = syncproto.Rev{}
				return nil
			})
			if err != nil || done {
				return err
			}
			if n < chunk {
				break
			}
		}
		if len(res.Revs) > 0 || res.LastSeq > since || since == 0 {
			return nil
		}
		// Nothing after since: a log that ends before it (a database put
		// back from an older copy) answers with its real end, the last
		// sequence given out (revisions the operator removed leave it).
		var last int64
		if err := tx.QueryRow(ctx, `SELECT last_seq FROM ck_practices WHERE id = $1`, pid).Scan(&last); err != nil {
			return err
		}
		res.LastSeq = min(since, uint64(last))
		return nil
	})
	return res, err
}
