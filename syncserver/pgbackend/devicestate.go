package pgbackend

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"chartkeeper/syncproto"
)

// deviceStateSQL is migration 7: the last state each device pushed with
// (its audit head and the end of its change feed; syncserver's
// devicestate.go):
//
//	ck_device_states   (practice_id, device_id): audit_seq, audit_hash,
//	                   changes, the time it was sent
const deviceStateSQL = `
CREATE TABLE ck_device_states (
	practice_id text COLLATE "C" NOT NULL,
	device_id   text COLLATE "C" NOT NULL,
	audit_seq   bigint NOT NULL,
	audit_hash  bytea NOT NULL,
	changes     bigint NOT NULL,
	at          timestamptz NOT NULL,
	PRIMARY KEY (practice_id, device_id),
	FOREIGN KEY (practice_id, device_id) REFERENCES ck_devices (practice_id, id)
);
`

// RecordDeviceState implements syncserver.Backend. The device's row is
// locked, so two pushes of one device are judged one after the other. The
// kept states are a few dozen bytes per device and do not count against
// the quota.
func (b *Backend) RecordDeviceState(ctx context.Context, pid, id string, st syncproto.DeviceState, now time.Time) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM ck_devices WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, id).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			if err := practiceExists(ctx, tx, pid); err != nil {
				return err
			}
			return syncproto.ErrUnknownDevice
		}
		if err != nil {
			return err
		}
		var (
			last           syncproto.DeviceState
			auditSeq, chgs int64
		)
		err = tx.QueryRow(ctx, `SELECT audit_seq, audit_hash, changes FROM ck_device_states WHERE practice_id = $1 AND device_id = $2`, pid, id).
			Scan(&auditSeq, &last.AuditHash, &chgs)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			last.AuditSeq, last.Changes = uint64(auditSeq), uint64(chgs)
		}
		if err := st.Follows(last); err != nil {
			return err
		}
		hash := st.AuditHash
		if hash == nil {
			hash = []byte{}
		}
		_, err = tx.Exec(ctx, `INSERT INTO ck_device_states (practice_id, device_id, audit_seq, audit_hash, changes, at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (practice_id, device_id) DO UPDATE SET audit_seq = $3, audit_hash = $4, changes = $5, at = $6`,
			pid, id, int64(st.AuditSeq), hash, int64(st.Changes), now.UTC())
		return err
	})
}
