package pgbackend

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"chartkeeper/internal/pgtest"
)

// TestCommitWaitsForTheLog: on a database set not to wait for its log on
// commit, the backend's own sessions wait, so an acknowledged push is on
// disk.
func TestCommitWaitsForTheLog(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var db string
	conn.QueryRow(ctx, "SELECT current_database()").Scan(&db)
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+" SET synchronous_commit = off"); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var sc string
	if err := b.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil || sc != "on" {
		t.Fatalf("the backend's sessions have synchronous_commit %q (%v)", sc, err)
	}
}
