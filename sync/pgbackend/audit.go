package pgbackend

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"github.com/jackc/pgx/v5"

	"chartkeeper/store"
	"chartkeeper/sync"
)

// Audit streams ([sync.AuditBackend]) live in two tables made on first
// use:
//
//	ck_audit_streams   (practice_id, device): last seq, its hash, the first
//	                   refusal (time, entry, reason); its row is locked by
//	                   every audit push of that device
//	ck_audit_entries   (practice_id, device, seq): the entry's stored bytes
//	                   (previous hash | sealed event)
//
// Like the revision log, nothing in them is readable: device IDs are
// random and the entries open only with the practice's data key.
const auditSchema = `
CREATE TABLE IF NOT EXISTS ck_audit_streams (
	practice_id    text COLLATE "C" NOT NULL REFERENCES ck_practices (id),
	device         text COLLATE "C" NOT NULL,
	seq            bigint NOT NULL DEFAULT 0,
	hash           bytea,
	refused_at     timestamptz,
	refused_seq    bigint,
	refused_reason text,
	PRIMARY KEY (practice_id, device)
);
CREATE TABLE IF NOT EXISTS ck_audit_entries (
	practice_id text COLLATE "C" NOT NULL,
	device      text COLLATE "C" NOT NULL,
	seq         bigint NOT NULL,
	stored      bytea NOT NULL,
	PRIMARY KEY (practice_id, device, seq)
);
ALTER TABLE ck_audit_entries ALTER COLUMN stored SET STORAGE EXTERNAL;
`

var _ sync.AuditBackend = (*Backend)(nil)

// auditReady remembers the backends whose database has the audit tables.
var auditReady gosync.Map // *Backend -> struct{}

// auditTables makes the audit tables once per backend, under the schema
// lock, so server processes starting at once do not collide.
func (b *Backend) auditTables(ctx context.Context) error {
	if _, ok := auditReady.Load(b); ok {
		return nil
	}
	err := b.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, auditSchema)
		return err
	})
	if err != nil {
		return fmt.Errorf("making the audit tables: %w", err)
	}
	auditReady.Store(b, struct{}{})
	return nil
}

// AuditStreams implements sync.AuditBackend.
func (b *Backend) AuditStreams(ctx context.Context, pid string) ([]sync.AuditStream, error) {
	if err := b.auditTables(ctx); err != nil {
		return nil, err
	}
	rows, err := b.pool.Query(ctx, `SELECT s.device, coalesce(d.name, ''), s.seq, s.hash, s.refused_at, s.refused_seq, s.refused_reason
FROM ck_audit_streams s LEFT JOIN ck_devices d ON d.practice_id = s.practice_id AND d.id = s.device
WHERE s.practice_id = $1 ORDER BY s.device`, pid)
	if err != nil {
		return nil, err
	}
	var out []sync.AuditStream
	for rows.Next() {
		var (
			st     sync.AuditStream
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
			st.Refused = &sync.AuditRefusal{At: at.UTC(), Seq: uint64(*rseq), Reason: *reason}
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// AppendAudit implements sync.AuditBackend.
func (b *Backend) AppendAudit(ctx context.Context, pid, device string, req sync.AuditPushRequest, now time.Time) (sync.AuditStream, error) {
	if err := b.auditTables(ctx); err != nil {
		return sync.AuditStream{}, err
	}
	var (
		res     sync.AuditStream
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
		cur := sync.AuditStream{Device: device}
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
			cur.Refused = &sync.AuditRefusal{At: at.UTC(), Seq: uint64(*rseq), Reason: *reason}
		}
		add, next, err := sync.PlanAuditAppend(cur, req, now, func(seq uint64) ([]byte, error) {
			var v []byte
			err := tx.QueryRow(ctx, `SELECT stored FROM ck_audit_entries WHERE practice_id = $1 AND device = $2 AND seq = $3`,
				pid, device, int64(seq)).Scan(&v)
			return v, err
		})
		if errors.Is(err, sync.ErrAuditDiverged) {
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
		if _, err := tx.Exec(ctx, `UPDATE ck_audit_streams SET seq = $3, hash = $4 WHERE practice_id = $1 AND device = $2`,
			pid, device, int64(next.Seq), next.Hash); err != nil {
			return err
		}
		res = next
		return nil
	})
	if err != nil {
		return sync.AuditStream{}, err
	}
	if refusal != nil {
		return sync.AuditStream{}, refusal
	}
	return res, nil
}

// AuditEntries implements sync.AuditBackend.
func (b *Backend) AuditEntries(ctx context.Context, pid, device string, since uint64, limit, maxBytes int) (sync.AuditEntriesResponse, error) {
	res := sync.AuditEntriesResponse{Entries: []store.AuditWire{}}
	if err := b.auditTables(ctx); err != nil {
		return res, err
	}
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
