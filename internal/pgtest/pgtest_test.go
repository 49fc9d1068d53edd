package pgtest_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"chartkeeper/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestDatabase connects over loopback with the password, writes a row and
// finds it in pg_dump's output; a wrong password is refused.
func TestDatabase(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE t (v text); INSERT INTO t VALUES ('pgtest-row')"); err != nil {
		t.Fatal(err)
	}
	var db string
	conn.QueryRow(ctx, "SELECT current_database()").Scan(&db)
	c := pgtest.Shared(t)
	dump, err := c.Dump(db)
	if err != nil || !bytes.Contains(dump, []byte("pgtest-row")) {
		t.Fatalf("dump: %v\n%s", err, dump)
	}
	cfg, _ := pgx.ParseConfig(url)
	cfg.Password = "wrong"
	if c, err := pgx.ConnectConfig(ctx, cfg); err == nil {
		c.Close(ctx)
		t.Fatal("a wrong password was accepted")
	}
	if fi, err := os.Stat(c.DataDir()); err != nil || !fi.IsDir() {
		t.Fatalf("data folder: %v", err)
	}
}
