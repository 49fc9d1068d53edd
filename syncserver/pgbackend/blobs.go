package pgbackend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// Blobs live in the tables ck_blobs, ck_blob_chunks
// and ck_blob_seqs (schema.go, migration 2).

// blobTx runs f in a transaction after checking the practice (and keeping
// it until the transaction ends).
func (b *Backend) blobTx(ctx context.Context, pid string, f func(pgx.Tx) error) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		if err := practiceExists(ctx, tx, pid); err != nil {
			return err
		}
		return f(tx)
	})
}

type pgBlob struct {
	size   int64
	chunks uint32
	seq    *int64
	header []byte
}

// getBlob reads a blob's row with the given lock clause ("" for none).
func getBlob(ctx context.Context, tx pgx.Tx, pid, id, lock string) (pgBlob, bool, error) {
	var (
		m      pgBlob
		chunks int32
	)
	err := tx.QueryRow(ctx, `SELECT size, chunks, seq, header FROM ck_blobs WHERE practice_id = $1 AND id = $2 `+lock,
		pid, id).Scan(&m.size, &chunks, &m.seq, &m.header)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, false, nil
	}
	m.chunks = uint32(chunks)
	return m, err == nil, err
}

func blobState(ctx context.Context, tx pgx.Tx, pid, id string, m pgBlob) (syncproto.BlobState, error) {
	st := syncproto.BlobState{ID: id, Size: m.size, Chunks: m.chunks}
	if m.seq != nil {
		st.Committed, st.Seq = true, uint64(*m.seq)
		return st, nil
	}
	rows, err := tx.Query(ctx, `SELECT idx FROM ck_blob_chunks WHERE practice_id = $1 AND id = $2 ORDER BY idx`, pid, id)
	if err != nil {
		return st, err
	}
	var i int32
	_, err = pgx.ForEachRow(rows, []any{&i}, func() error {
		st.Have = append(st.Have, uint32(i))
		return nil
	})
	return st, err
}

// BeginBlob implements syncserver.Backend.
func (b *Backend) BeginBlob(ctx context.Context, pid, device, id string, size int64, chunks uint32, now time.Time) (syncproto.BlobState, error) {
	var st syncproto.BlobState
	err := b.blobTx(ctx, pid, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO ck_blobs (practice_id, id, size, chunks, device, created)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, pid, id, size, int32(chunks), device, now.UTC())
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			// A document that cannot fit is refused before its upload starts.
			if err := b.addUsageAhead(ctx, tx, pid, syncserver.BlobBeginSize, size); err != nil {
				return err
			}
		}
		m, ok, err := getBlob(ctx, tx, pid, id, "FOR SHARE")
		if err != nil {
			return err
		}
		if !ok {
			return syncproto.ErrUnknownBlob
		}
		if m.size != size || m.chunks != chunks {
			return syncproto.ErrBlobMismatch
		}
		st, err = blobState(ctx, tx, pid, id, m)
		return err
	})
	return st, err
}

// PutBlobChunk implements syncserver.Backend.
func (b *Backend) PutBlobChunk(ctx context.Context, pid, id string, i uint32, sealed []byte) error {
	return b.blobTx(ctx, pid, func(tx pgx.Tx) error {
		m, ok, err := getBlob(ctx, tx, pid, id, "FOR SHARE")
		if err != nil {
			return err
		}
		if !ok {
			return syncproto.ErrUnknownBlob
		}
		if i >= m.chunks {
			return fmt.Errorf("%w: chunk %d of a document of %d", syncproto.ErrBadRequest, i+1, m.chunks)
		}
		if want := syncproto.BlobChunkSealedSize(m.size, i); len(sealed) != want {
			return fmt.Errorf("%w: chunk %d has %d bytes, expected %d", syncproto.ErrBadRequest, i+1, len(sealed), want)
		}
		if m.seq != nil {
			var have []byte
			err := tx.QueryRow(ctx, `SELECT sealed FROM ck_blob_chunks WHERE practice_id = $1 AND id = $2 AND idx = $3`,
				pid, id, int32(i)).Scan(&have)
			if err != nil || !bytes.Equal(have, sealed) {
				return syncproto.ErrBlobMismatch
			}
			return nil
		}
		// A chunk sent again has the same length: only a new one counts.
		var inserted bool
		if err := tx.QueryRow(ctx, `INSERT INTO ck_blob_chunks (practice_id, id, idx, sealed) VALUES ($1, $2, $3, $4)
ON CONFLICT (practice_id, id, idx) DO UPDATE SET sealed = EXCLUDED.sealed RETURNING xmax = 0`, pid, id, int32(i), sealed).Scan(&inserted); err != nil {
			return err
		}
		if !inserted {
			return nil
		}
		return b.addUsage(ctx, tx, pid, int64(len(sealed)))
	})
}

// CommitBlob implements syncserver.Backend.
func (b *Backend) CommitBlob(ctx context.Context, pid, id string, header []byte) (syncproto.BlobState, error) {
	var st syncproto.BlobState
	err := b.blobTx(ctx, pid, func(tx pgx.Tx) error {
		m, ok, err := getBlob(ctx, tx, pid, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if !ok {
			return syncproto.ErrUnknownBlob
		}
		if m.seq != nil {
			if !bytes.Equal(m.header, header) {
				return syncproto.ErrBlobMismatch
			}
			st, err = blobState(ctx, tx, pid, id, m)
			return err
		}
		var have int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM ck_blob_chunks WHERE practice_id = $1 AND id = $2 AND idx < $3`,
			pid, id, int32(m.chunks)).Scan(&have); err != nil {
			return err
		}
		if have < int64(m.chunks) {
			return fmt.Errorf("%w (%d of %d parts missing)", syncproto.ErrBlobIncomplete, int64(m.chunks)-have, m.chunks)
		}
		if err := b.addUsage(ctx, tx, pid, int64(len(header))); err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRow(ctx, `INSERT INTO ck_blob_seqs (practice_id, last_seq) VALUES ($1, 1)
ON CONFLICT (practice_id) DO UPDATE SET last_seq = ck_blob_seqs.last_seq + 1 RETURNING last_seq`, pid).Scan(&seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ck_blobs SET seq = $3, header = $4, committed = $5 WHERE practice_id = $1 AND id = $2`,
			pid, id, seq, header, time.Now().UTC()); err != nil {
			return err
		}
		st = syncproto.BlobState{ID: id, Size: m.size, Chunks: m.chunks, Committed: true, Seq: uint64(seq)}
		return nil
	})
	return st, err
}

// BlobFeed implements syncserver.Backend.
func (b *Backend) BlobFeed(ctx context.Context, pid string, since uint64, limit int) (syncproto.BlobFeedResponse, error) {
	res := syncproto.BlobFeedResponse{LastSeq: since, Blobs: []syncproto.BlobState{}}
	err := b.blobTx(ctx, pid, func(tx pgx.Tx) error {
		res = syncproto.BlobFeedResponse{LastSeq: since, Blobs: []syncproto.BlobState{}}
		rows, err := tx.Query(ctx, `SELECT id, size, chunks, seq, device FROM ck_blobs
WHERE practice_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, pid, int64(since), limit+1)
		if err != nil {
			return err
		}
		var (
			id     string
			size   int64
			chunks int32
			seq    int64
			device string
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &size, &chunks, &seq, &device}, func() error {
			if len(res.Blobs) == limit {
				res.More = true
				return nil
			}
			res.Blobs = append(res.Blobs, syncproto.BlobState{ID: id, Size: size, Chunks: uint32(chunks), Committed: true, Seq: uint64(seq), Device: device})
			res.LastSeq = uint64(seq)
			return nil
		})
		if err != nil || len(res.Blobs) > 0 || since == 0 {
			return err
		}
		// A feed that ends before since answers with its real end, the
		// last sequence given out (documents removed leave it).
		var last int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(last_seq), 0) FROM ck_blob_seqs WHERE practice_id = $1`, pid).Scan(&last); err != nil {
			return err
		}
		res.LastSeq = min(since, uint64(last))
		return nil
	})
	return res, err
}

// BlobHeader implements syncserver.Backend.
func (b *Backend) BlobHeader(ctx context.Context, pid, id string) (h []byte, st syncproto.BlobState, err error) {
	err = b.blobTx(ctx, pid, func(tx pgx.Tx) error {
		m, ok, err := getBlob(ctx, tx, pid, id, "")
		if err != nil {
			return err
		}
		if !ok || m.seq == nil {
			return syncproto.ErrUnknownBlob
		}
		h = m.header
		st = syncproto.BlobState{ID: id, Size: m.size, Chunks: m.chunks, Committed: true, Seq: uint64(*m.seq)}
		return nil
	})
	return h, st, err
}

// BlobChunk implements syncserver.Backend.
func (b *Backend) BlobChunk(ctx context.Context, pid, id string, i uint32) (c []byte, err error) {
	err = b.blobTx(ctx, pid, func(tx pgx.Tx) error {
		m, ok, err := getBlob(ctx, tx, pid, id, "")
		if err != nil {
			return err
		}
		if !ok || m.seq == nil || i >= m.chunks {
			return syncproto.ErrUnknownBlob
		}
		return tx.QueryRow(ctx, `SELECT sealed FROM ck_blob_chunks WHERE practice_id = $1 AND id = $2 AND idx = $3`,
			pid, id, int32(i)).Scan(&c)
	})
	return c, err
}
