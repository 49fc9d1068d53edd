// Package pgbackend is the sync server's PostgreSQL storage: a
// [syncserver.Backend] for `chartkeeperd --postgres URL`, for sites that run
// several server processes on one database or keep their data in
// PostgreSQL already. It passes backendtest.Run like the bbolt backend.
//
// Every write is one transaction that commits before the server answers,
// and a commit waits for PostgreSQL's log to reach the disk (the backend's
// sessions turn synchronous_commit on where the database has it off).
// A push locks its practice's row, so concurrent pushes to a practice take
// their turns and sequence numbers never repeat or leave gaps; pushes to
// different practices do not wait for each other. The schema is made and
// brought up to date when the backend opens (schema.go).
//
// Long-polls: a push sends a notification (NOTIFY on channel
// chartkeeper_push, naming the practice) when it commits. Each backend
// listens on one connection of its own and hands other processes'
// notifications to the function set with [Backend.OnRemotePush], which
// chartkeeperd points at [syncserver.Server.Wake]: a push through one server
// process wakes the long-polls waiting in every other.
package pgbackend

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// notifyChannel is the NOTIFY channel of pushes; the payload is the
// pushing backend's instance ID, a space and the practice ID.
const notifyChannel = "chartkeeper_push"

// Backend is the PostgreSQL storage.
type Backend struct {
	pool     *pgxpool.Pool
	id       string // the server's ID (shared by every process on the database)
	instance string // this process's backend, to skip its own notifications

	mu       sync.Mutex
	onRemote func(practiceID string)
	quota    atomic.Int64 // bytes per practice, 0: no limit (quota.go)
	// scrubDue: a redeem forgot sealed bytes; the next sweep rewrites the
	// enrollments table.
	scrubDue atomic.Bool

	stop   context.CancelFunc
	listen sync.WaitGroup
}

var _ syncserver.Backend = (*Backend)(nil)

// Options configure [Open].
type Options struct {
	// MaxConns caps the connection pool (default: pgxpool's, the larger of
	// 4 and the number of CPUs). The listener takes one more connection.
	MaxConns int32
}

// Open connects to the database at url (a postgres:// URL or key=value
// connection string), makes or updates the schema and starts listening
// for other processes' pushes.
func Open(ctx context.Context, url string, opts Options) (*Backend, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL address is not valid: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", Where(cfg.ConnConfig), err)
	}
	id, err := migrate(ctx, conn)
	if err != nil {
		conn.Close(ctx)
		return nil, err
	}
	// A push is acknowledged once it commits: a database set not to wait
	// for its log on commit gets this server's sessions to wait anyway.
	var sc string
	if err := conn.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	if sc == "off" {
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		conn.Close(ctx)
		return nil, err
	}
	inst := make([]byte, 12)
	rand.Read(inst)
	b := &Backend{pool: pool, id: id, instance: hex.EncodeToString(inst)}
	lctx, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	b.listen.Add(1)
	go b.listenLoop(lctx, conn, cfg.ConnConfig)
	return b, nil
}

// Where names a database for logs and messages: host, port and database,
// never the user's password.
func Where(c *pgx.ConnConfig) string {
	host := c.Host
	if strings.HasPrefix(host, "/") {
		host = "socket " + host
	} else {
		host = fmt.Sprintf("%s:%d", host, c.Port)
	}
	return fmt.Sprintf("%s, database %s", host, c.Database)
}

// ServerID implements syncserver.Backend.
func (b *Backend) ServerID() string { return b.id }

// Close stops listening and closes the connections.
func (b *Backend) Close() error {
	b.stop()
	b.listen.Wait()
	b.pool.Close()
	return nil
}

// OnRemotePush sets the function called with the practice ID when another
// process has pushed to that practice, or with "" when notifications may
// have been missed (the listening connection was lost and is back).
func (b *Backend) OnRemotePush(f func(practiceID string)) {
	b.mu.Lock()
	b.onRemote = f
	b.mu.Unlock()
}

func (b *Backend) remotePush(practiceID string) {
	b.mu.Lock()
	f := b.onRemote
	b.mu.Unlock()
	if f != nil {
		f(practiceID)
	}
}

// listenLoop receives notifications on conn until ctx ends, reconnecting
// (1 s, doubling to 30 s) when the connection is lost.
func (b *Backend) listenLoop(ctx context.Context, conn *pgx.Conn, cfg *pgx.ConnConfig) {
	defer b.listen.Done()
	wait := time.Second
	for {
		for conn != nil {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				conn.Close(context.Background())
				conn = nil
				break
			}
			wait = time.Second
			inst, practice, ok := strings.Cut(n.Payload, " ")
			if ok && inst != b.instance {
				b.remotePush(practice)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
		c, err := pgx.ConnectConfig(ctx, cfg.Copy())
		if err != nil {
			continue
		}
		if _, err := c.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
			c.Close(context.Background())
			continue
		}
		conn = c
		b.remotePush("") // whatever came meanwhile was missed
	}
}

// inTx runs f in a read-committed transaction and commits.
func (b *Backend) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, b.pool, f)
}

// lockPractice takes the practice's row lock that orders pushes; it
// returns the practice's last sequence number.
func lockPractice(ctx context.Context, tx pgx.Tx, pid string) (uint64, error) {
	var last int64
	err := tx.QueryRow(ctx, `SELECT last_seq FROM ck_practices WHERE id = $1 FOR NO KEY UPDATE`, pid).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, syncproto.ErrUnknownPractice
	}
	return uint64(last), err
}

// practiceExists checks for the practice and keeps it (a key-share lock)
// until the transaction ends.
func practiceExists(ctx context.Context, tx pgx.Tx, pid string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM ck_practices WHERE id = $1 FOR KEY SHARE`, pid).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return syncproto.ErrUnknownPractice
	}
	return err
}

// RegisterPractice implements syncserver.Backend.
func (b *Backend) RegisterPractice(ctx context.Context, pid string, first syncserver.Device, keys syncserver.PracticeKeys) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO ck_practices (id, registered, admin_key, recovery_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			pid, first.Created, nullBytes(keys.Admin), nullBytes(keys.Recovery))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return syncproto.ErrPracticeExists
		}
		if err := b.addUsage(ctx, tx, pid, syncserver.RegistrationSize(first)); err != nil {
			return err
		}
		return insertDevice(ctx, tx, pid, first)
	})
}

func nullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// PracticeKeys implements syncserver.Backend.
func (b *Backend) PracticeKeys(ctx context.Context, pid string) (syncserver.PracticeKeys, error) {
	var k syncserver.PracticeKeys
	err := b.pool.QueryRow(ctx, `SELECT admin_key, recovery_key FROM ck_practices WHERE id = $1`, pid).Scan(&k.Admin, &k.Recovery)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, syncproto.ErrUnknownPractice
	}
	return k, err
}

// ReplacePracticeKeys implements syncserver.Backend.
func (b *Backend) ReplacePracticeKeys(ctx context.Context, pid string, old, next syncserver.PracticeKeys) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		var have syncserver.PracticeKeys
		err := tx.QueryRow(ctx, `SELECT admin_key, recovery_key FROM ck_practices WHERE id = $1 FOR UPDATE`, pid).Scan(&have.Admin, &have.Recovery)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return syncproto.ErrUnknownPractice
		case err != nil:
			return err
		case !have.Equal(old):
			return syncproto.ErrPracticeKeysChanged
		}
		_, err = tx.Exec(ctx, `UPDATE ck_practices SET admin_key = $2, recovery_key = $3 WHERE id = $1`, pid, nullBytes(next.Admin), nullBytes(next.Recovery))
		return err
	})
}

func insertDevice(ctx context.Context, tx pgx.Tx, pid string, d syncserver.Device) error {
	tag, err := tx.Exec(ctx, `INSERT INTO ck_devices (practice_id, id, name, token_hash, public_key, created, revoked)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, pid, d.ID, d.Name, d.TokenHash, d.PublicKey, d.Created, nullTime(d.Revoked))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return syncproto.ErrDeviceExists
	}
	return nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// AddDevice implements syncserver.Backend.
func (b *Backend) AddDevice(ctx context.Context, pid string, d syncserver.Device) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		if err := practiceExists(ctx, tx, pid); err != nil {
			return err
		}
		if err := insertDevice(ctx, tx, pid, d); err != nil {
			return err
		}
		return b.addUsage(ctx, tx, pid, syncserver.DeviceSize(d))
	})
}

// Device implements syncserver.Backend. It is one query: every authenticated
// request asks it.
func (b *Backend) Device(ctx context.Context, pid, id string) (syncserver.Device, error) {
	var (
		d       syncserver.Device
		did     *string
		name    *string
		created *time.Time
		revoked *time.Time
	)
	err := b.pool.QueryRow(ctx, `SELECT d.id, d.name, d.token_hash, d.public_key, d.created, d.revoked
FROM ck_practices p LEFT JOIN ck_devices d ON d.practice_id = p.id AND d.id = $2
WHERE p.id = $1`, pid, id).Scan(&did, &name, &d.TokenHash, &d.PublicKey, &created, &revoked)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return d, syncproto.ErrUnknownPractice
	case err != nil:
		return d, err
	case did == nil:
		return d, syncproto.ErrUnknownDevice
	}
	d.ID, d.Name, d.Created, d.Revoked = *did, *name, utc(created), utc(revoked)
	return d, nil
}

// Devices implements syncserver.Backend.
func (b *Backend) Devices(ctx context.Context, pid string) ([]syncserver.Device, error) {
	var ds []syncserver.Device
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM ck_practices WHERE id = $1`, pid).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return syncproto.ErrUnknownPractice
		} else if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, name, token_hash, public_key, created, revoked FROM ck_devices WHERE practice_id = $1 ORDER BY id`, pid)
		if err != nil {
			return err
		}
		var (
			d       syncserver.Device
			created time.Time
			revoked *time.Time
		)
		_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.Name, &d.TokenHash, &d.PublicKey, &created, &revoked}, func() error {
			d.Created, d.Revoked = created.UTC(), utc(revoked)
			ds = append(ds, d)
			d = syncserver.Device{}
			return nil
		})
		return err
	})
	return ds, err
}

// SetDeviceKey implements syncserver.Backend.
func (b *Backend) SetDeviceKey(ctx context.Context, pid, id string, pub []byte) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		if err := practiceExists(ctx, tx, pid); err != nil {
			return err
		}
		var have []byte
		err := tx.QueryRow(ctx, `SELECT public_key FROM ck_devices WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, id).Scan(&have)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return syncproto.ErrUnknownDevice
		case err != nil:
			return err
		case len(have) > 0 && bytes.Equal(have, pub):
			return nil
		case len(have) > 0:
			return syncproto.ErrDeviceKeyExists
		}
		if _, err := tx.Exec(ctx, `UPDATE ck_devices SET public_key = $3 WHERE practice_id = $1 AND id = $2`, pid, id, pub); err != nil {
			return err
		}
		return b.addUsage(ctx, tx, pid, int64(len(pub)))
	})
}

// RevokeDevice implements syncserver.Backend.
func (b *Backend) RevokeDevice(ctx context.Context, pid, id string, at time.Time) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE ck_devices SET revoked = $3 WHERE practice_id = $1 AND id = $2 AND revoked IS NULL`, pid, id, at.UTC())
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		// Revoked already (the first time stays), or no such device.
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM ck_devices WHERE practice_id = $1 AND id = $2`, pid, id).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			if err := practiceExists(ctx, tx, pid); err != nil {
				return err
			}
			return syncproto.ErrUnknownDevice
		}
		return err
	})
}

// AddEnrollment implements syncserver.Backend.
func (b *Backend) AddEnrollment(ctx context.Context, pid string, e syncserver.Enrollment) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		if err := practiceExists(ctx, tx, pid); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO ck_enrollments (practice_id, token_hash, sealed, issuer, created, expires, used, used_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			pid, e.TokenHash, e.Sealed, e.Issuer, e.Created, e.Expires, nullTime(e.Used), e.UsedBy)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: enrollment token reused", syncproto.ErrBadRequest)
		}
		return b.addUsage(ctx, tx, pid, syncserver.EnrollmentSize(e))
	})
}

// RedeemEnrollment implements syncserver.Backend.
func (b *Backend) RedeemEnrollment(ctx context.Context, pid string, tokenHash []byte, d syncserver.Device, now time.Time) ([]byte, error) {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	var (
		sealed  []byte
		issuer  string
		expires time.Time
		used    *time.Time
	)
	err = tx.QueryRow(ctx, `SELECT sealed, issuer, expires, used FROM ck_enrollments
WHERE practice_id = $1 AND token_hash = $2 FOR UPDATE`, pid, tokenHash).Scan(&sealed, &issuer, &expires, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, syncproto.ErrUnknownEnrollment
	}
	if err != nil {
		return nil, err
	}
	switch {
	case used != nil:
		return nil, syncproto.ErrEnrollmentUsed
	case sealed == nil:
		return nil, syncproto.ErrEnrollmentExpired // found expired before; the clock may have gone back
	case !now.Before(expires):
		// Forget the sealed bytes, and say so.
		if _, err := tx.Exec(ctx, `UPDATE ck_enrollments SET sealed = NULL WHERE practice_id = $1 AND token_hash = $2`, pid, tokenHash); err != nil {
			return nil, err
		}
		if err := b.addUsage(ctx, tx, pid, -int64(len(sealed))); err != nil {
			return nil, err
		}
		if err := tx.Commit(ctx); err != nil {
			return nil, err
		}
		return nil, syncproto.ErrEnrollmentExpired
	}
	var revoked *time.Time
	err = tx.QueryRow(ctx, `SELECT revoked FROM ck_devices WHERE practice_id = $1 AND id = $2`, pid, issuer).Scan(&revoked)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && revoked != nil) {
		return nil, syncproto.ErrIssuerRevoked
	}
	if err != nil {
		return nil, err
	}
	if err := insertDevice(ctx, tx, pid, d); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE ck_enrollments SET sealed = NULL, used = $3, used_by = $4
WHERE practice_id = $1 AND token_hash = $2`, pid, tokenHash, now.UTC(), d.ID); err != nil {
		return nil, err
	}
	if err := b.addUsage(ctx, tx, pid, syncserver.DeviceSize(d)+int64(len(d.ID)-len(sealed))); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	b.scrubDue.Store(true)
	return sealed, nil
}

// SweepEnrollments implements syncserver.Backend: one statement forgets
// the sealed bytes of every enrollment expired at now and gives their
// bytes back to each practice's total. When it forgot any, the table is
// rewritten (VACUUM FULL; it is small) so that the bytes do not stay in
// the table's files as dead rows; PostgreSQL's write-ahead log keeps them
// until it recycles its segments, which the operator's settings decide.
func (b *Backend) SweepEnrollments(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := b.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH swept AS (
  UPDATE ck_enrollments e SET sealed = NULL
  FROM (SELECT practice_id, token_hash, length(sealed) AS len FROM ck_enrollments
        WHERE sealed IS NOT NULL AND expires <= $1 FOR UPDATE) old
  WHERE e.practice_id = old.practice_id AND e.token_hash = old.token_hash
  RETURNING e.practice_id, old.len)
SELECT practice_id, count(*), sum(len)::bigint FROM swept GROUP BY practice_id ORDER BY practice_id`, now.UTC())
		if err != nil {
			return err
		}
		type freed struct {
			pid   string
			bytes int64
		}
		var fs []freed
		n = 0
		for rows.Next() {
			var f freed
			var c int
			if err := rows.Scan(&f.pid, &c, &f.bytes); err != nil {
				rows.Close()
				return err
			}
			n += c
			fs = append(fs, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, f := range fs {
			if err := b.addUsage(ctx, tx, f.pid, -f.bytes); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 || b.scrubDue.Swap(false) {
		if _, err := b.pool.Exec(ctx, `VACUUM (FULL) ck_enrollments`, pgx.QueryExecModeSimpleProtocol); err != nil {
			b.scrubDue.Store(true)
			return n, fmt.Errorf("rewriting the enrollments table: %w", err)
		}
	}
	return n, nil
}
