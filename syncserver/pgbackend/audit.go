package pgbackend

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// Audit streams live in the tables ck_audit_streams
// and ck_audit_entries (schema.go, migration 3).

// AuditStreams implements syncserver.Backend.
func (b *Backend) AuditStreams(ctx context.Context, pid string) ([]syncproto.AuditStream, error) {
	rows, err := b.pool.Query(ctx, `SELECT s.device, coalesce(d.name, ''), s.seq, s.hash, s.refused_at, s.refused_seq, s.refused_reason
FROM ck_audit_streams s LEFT JOIN ck_devices d ON d.practice_id = s.practice_id AND d.id = s.device
WHERE s.practice_id = $1 ORDER BY s.device`, pid)
	if err != nil {
		return nil, err
	}
	var out []syncproto.AuditStream
	for rows.Next() {
		var (
			st     syncproto.AuditStream
			seq    int64
			at     *time.Time
			rseq   *int64
			reason *string
		)
		if err := rows.Scan(&st.Device, &st.Name, &seq, &st.Hash, &at, &rseq, &reason); err != nil {
			rows.Close()
			return nil, err
		}
		st.Seq = uint64(seq)
		if at != nil && rseq != nil && reason != nil {
			st.Refused = &syncproto.AuditRefusal{At: at.UTC(), Seq: uint64(*rseq), Reason: *reason}
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// AppendAudit implements syncserver.Backend.
func (b *Backend) AppendAudit(ctx context.Context, pid, device string, req syncproto.AuditPushRequest, now time.Time) (syncproto.AuditStream, error) {
	var (
		res     syncproto.AuditStream
		refusal error // committed with the refusal note, then returned
	)
	err := b.inTx(ctx, func(tx pgx.Tx) error {
		refusal = nil
		if err := practiceExists(ctx, tx, pid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ck_audit_streams (practice_id, device) VALUES ($1, $2) ON CONFLICT DO NOTHING`, pid, device); err != nil {
			return err
		}
		cur := syncproto.AuditStream{Device: device}
		var (
			seq    int64
			at     *time.Time
			rseq   *int64
			reason *string
		)
		err := tx.QueryRow(ctx, `SELECT seq, hash, refused_at, refused_seq, refused_reason FROM ck_audit_streams
WHERE practice_id = $1 AND device = $2 FOR UPDATE`, pid, device).Scan(&seq, &cur.Hash, &at, &rseq, &reason)
		if err != nil {
			return err
		}
		cur.Seq = uint64(seq)
		if at != nil && rseq != nil && reason != nil {
			cur.Refused = &syncproto.AuditRefusal{At: at.UTC(), Seq: uint64(*rseq), Reason: *reason}
		}
		add, next, err := syncserver.PlanAuditAppend(cur, req, now, func(seq uint64) ([]byte, error) {
			var v []byte
			err := tx.QueryRow(ctx, `SELECT stored FROM ck_audit_entries WHERE practice_id = $1 AND device = $2 AND seq = $3`,
				pid, device, int64(seq)).Scan(&v)
			return v, err
		})
		if errors.Is(err, syncproto.ErrAuditDiverged) {
			refusal = err
			if cur.Refused != nil || next.Refused == nil {
				return nil
			}
			_, err := tx.Exec(ctx, `UPDATE ck_audit_streams SET refused_at = $3, refused_seq = $4, refused_reason = $5
WHERE practice_id = $1 AND device = $2`, pid, device, next.Refused.At, int64(next.Refused.Seq), next.Refused.Reason)
			return err
		}
		if err != nil {
			return err
		}
		if len(add) == 0 {
			res = next
			return nil
		}
		rows := make([][]any, len(add))
		for i, e := range add {
			rows[i] = []any{pid, device, int64(e.Seq), e.Stored}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ck_audit_entries"}, []string{"practice_id", "device", "seq", "stored"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		var added int64
		for _, e := range add {
			added += syncserver.AuditEntrySize(e.Stored)
		}
		if err := b.addUsage(ctx, tx, pid, added); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ck_audit_streams SET seq = $3, hash = $4 WHERE practice_id = $1 AND device = $2`,
			pid, device, int64(next.Seq), next.Hash); err != nil {
			return err
		}
		res = next
		return nil
	})
	if err != nil {
		return syncproto.AuditStream{}, err
	}
	if refusal != nil {
		return syncproto.AuditStream{}, refusal
	}
	return res, nil
}

// AuditEntries implements syncserver.Backend.
func (b *Backend) AuditEntries(ctx context.Context, pid, device string, since uint64, limit, maxBytes int) (syncproto.AuditEntriesResponse, error) {
	res := syncproto.AuditEntriesResponse{Entries: []store.AuditWire{}}
	// One more than asked for tells whether more wait.
	rows, err := b.pool.Query(ctx, `SELECT seq, stored FROM ck_audit_entries
WHERE practice_id = $1 AND device = $2 AND seq > $3 ORDER BY seq LIMIT $4`, pid, device, int64(since), limit+1)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	size := 0
	for rows.Next() {
		var (
			seq    int64
			stored []byte
		)
		if err := rows.Scan(&seq, &stored); err != nil {
			return res, err
		}
		if len(res.Entries) >= limit || (len(res.Entries) > 0 && size+len(stored) > maxBytes) {
			res.More = true
			break
		}
		size += len(stored)
		res.Entries = append(res.Entries, store.AuditWire{Seq: uint64(seq), Stored: stored})
	}
	return res, rows.Err()
}
