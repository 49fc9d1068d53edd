package syncclient_test

import (
	"context"
	"sync"
	"testing"

	"chartkeeper/internal/pgtest"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
	"chartkeeper/syncserver/pgbackend"
)

// usePostgres makes the test servers started until t ends store in
// cluster c: each server folder gets a database of its own (a restarted
// server opens the same one again).
func usePostgres(t testing.TB, c *pgtest.Cluster) {
	t.Helper()
	var (
		mu  sync.Mutex
		dbs = map[string]string{}
	)
	openBackend = func(dir string) (syncserver.Backend, error) {
		ctx := context.Background()
		mu.Lock()
		db, ok := dbs[dir]
		if !ok {
			var err error
			if db, err = c.CreateDatabase(ctx); err != nil {
				mu.Unlock()
				return nil, err
			}
			dbs[dir] = db
		}
		mu.Unlock()
		b, err := pgbackend.Open(ctx, c.URL(db), pgbackend.Options{})
		if err != nil {
			return nil, err
		}
		return b, nil
	}
	t.Cleanup(func() {
		openBackend = boltbackend.Open
		for _, db := range dbs {
			if err := c.DropDatabase(context.Background(), db); err != nil {
				t.Errorf("dropping a test database: %v", err)
			}
		}
	})
}

// TestEndToEndOnPostgreSQL runs the end-to-end sync tests again with the
// server storing in a private PostgreSQL (the blindness test for
// PostgreSQL is in pgbackend).
func TestEndToEndOnPostgreSQL(t *testing.T) {
	usePostgres(t, pgtest.StartForTest(t, pgtest.Options{}))
	for _, tc := range []struct {
		name string
		f    func(*testing.T)
	}{
		{"EditsReachTheOtherWorkstation", TestEditsReachTheOtherWorkstation},
		{"ConcurrentEditsConverge", TestConcurrentEditsConverge},
		{"PushReplayedChangesNothing", TestPushReplayedChangesNothing},
		{"PushCutOffIsResumed", TestPushCutOffIsResumed},
		{"ServerRestartDuringBackgroundSync", TestServerRestartDuringBackgroundSync},
		{"EditReachesOnlineWorkstationQuickly", TestEditReachesOnlineWorkstationQuickly},
		{"DevicesRefused", TestDevicesRefused},
		{"EnrollmentRefusals", TestEnrollmentRefusals},
		{"StolenTokenGarbageIsSetAside", TestStolenTokenGarbageIsSetAside},
		{"StolenTokenCannotPush", TestStolenTokenCannotPush},
		{"StolenTokenUsedFirst", TestStolenTokenUsedFirst},
		{"RequestsMustBeSigned", TestRequestsMustBeSigned},
		{"RevokedDeviceSignedPushRefused", TestRevokedDeviceSignedPushRefused},
		{"DeviceCannotRevokeOthers", TestDeviceCannotRevokeOthers},
		{"CapturedRevocationReplay", TestCapturedRevocationReplay},
		{"RecoveryKeyReestablishesAdminKey", TestRecoveryKeyReestablishesAdminKey},
		{"PracticeKeysFirstUse", TestPracticeKeysFirstUse},
	} {
		t.Run(tc.name, tc.f)
	}
}

// BenchmarkFirstSyncPostgreSQL is BenchmarkFirstSync with the server on a
// private PostgreSQL (fsync on, as in production).
func BenchmarkFirstSyncPostgreSQL(b *testing.B) {
	usePostgres(b, pgtest.StartForTest(b, pgtest.Options{Fsync: true}))
	BenchmarkFirstSync(b)
}
