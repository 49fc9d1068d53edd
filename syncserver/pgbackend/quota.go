package pgbackend

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"chartkeeper/syncproto"
)

// SetQuota implements syncserver.Backend.
func (b *Backend) SetQuota(n int64) { b.quota.Store(n) }

// Usage implements syncserver.Backend: the practice's used_bytes.
func (b *Backend) Usage(ctx context.Context, pid string) (int64, error) {
	var n int64
	err := b.pool.QueryRow(ctx, `SELECT used_bytes FROM ck_practices WHERE id = $1`, pid).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, syncproto.ErrUnknownPractice
	}
	return n, err
}

// addUsage adds delta bytes to the practice's running total in the write's
// transaction, refusing growth past the quota (the caller's transaction
// then rolls back). The update locks the practice's row until the
// transaction ends, so totals never race.
func (b *Backend) addUsage(ctx context.Context, tx pgx.Tx, pid string, delta int64) error {
	return b.addUsageAhead(ctx, tx, pid, delta, 0)
}

// addUsageAhead is addUsage that also refuses when ahead more bytes (an
// upload announced now) would not fit.
func (b *Backend) addUsageAhead(ctx context.Context, tx pgx.Tx, pid string, delta, ahead int64) error {
	if delta == 0 {
		return nil
	}
	var n int64
	if err := tx.QueryRow(ctx, `UPDATE ck_practices SET used_bytes = greatest(used_bytes + $2, 0) WHERE id = $1 RETURNING used_bytes`,
		pid, delta).Scan(&n); err != nil {
		return err
	}
	if limit := b.quota.Load(); delta > 0 && limit > 0 && n+ahead > limit {
		return syncproto.ErrQuotaExceeded
	}
	return nil
}
