package syncproto

import (
	"fmt"
	"io"

	"chartkeeper/store"
)

// Blob sync: scanned documents and other store blobs (see "Blobs" in
// docs/SYNC.md). The paths, all with the device credential:
//
//	POST /v1/blobs/{id}/begin          {"size":N,"chunks":C}: announce an upload;
//	                                   answers the blob's state (chunks held, committed)
//	PUT  /v1/blobs/{id}/chunks/{i}     one sealed chunk, raw bytes (application/octet-stream)
//	PUT  /v1/blobs/{id}/header         the sealed header, raw bytes: commits the blob
//	GET  /v1/blobs?since=N&limit=L     the practice's committed blobs after blob sequence N
//	GET  /v1/blobs/{id}/header         a committed blob's sealed header
//	GET  /v1/blobs/{id}/chunks/{i}     a committed blob's sealed chunk i

// Blob limits.
const (
	// MaxBlobSize is the largest blob (content bytes) the server accepts.
	MaxBlobSize = 512 << 20
	// MaxBlobChunkBody is the largest chunk upload: one chunk of content
	// and what sealing adds.
	MaxBlobChunkBody = store.BlobChunkSize + store.BlobSealOverhead
	// MaxBlobHeaderBody bounds a sealed blob header.
	MaxBlobHeaderBody = 4 << 10
	// MaxBlobFeedLimit bounds the blobs listed by one GET /v1/blobs.
	MaxBlobFeedLimit = 1000
	// DefaultBlobFeedLimit is what GET /v1/blobs lists without a limit,
	// and what the client asks for at a time.
	DefaultBlobFeedLimit = 500
)

// BlobState is what the server knows of a blob: no more than its ID, size
// and chunk count, which chunks it holds, and whether it is committed.
type BlobState struct {
	ID        string   `json:"id"`
	Size      int64    `json:"size"`
	Chunks    uint32   `json:"chunks"`
	Have      []uint32 `json:"have,omitempty"` // chunks held (uncommitted blobs)
	Committed bool     `json:"committed"`
	Seq       uint64   `json:"seq,omitempty"` // blob sequence, once committed
	// Device is the device that uploaded it (in GET /v1/blobs).
	Device string `json:"device,omitempty"`
}

// BlobBeginRequest is the body of POST /v1/blobs/{id}/begin.
type BlobBeginRequest struct {
	Size   int64  `json:"size"`
	Chunks uint32 `json:"chunks"`
}

// BlobFeedResponse is the body of GET /v1/blobs.
type BlobFeedResponse struct {
	Blobs   []BlobState `json:"blobs"`
	LastSeq uint64      `json:"last_seq"`
	More    bool        `json:"more"`
}

// BlobChunkSealedSize is the sealed length of chunk i of a blob of size
// bytes, or -1 when there is no such chunk.
func BlobChunkSealedSize(size int64, i uint32) int {
	n := store.BlobChunkPlainSize(size, i)
	if n < 0 {
		return -1
	}
	return n + store.BlobSealOverhead
}

// ReadSized reads a raw body (a chunk or a header) to its end, into one
// buffer of the announced length n when that is known and at most max (a
// chunk is a megabyte: reading it into a growing buffer would copy it
// several times). Bytes past the announced length are ErrBadRequest.
func ReadSized(r io.Reader, n, max int64) ([]byte, error) {
	if n < 0 || n > max {
		return io.ReadAll(r)
	}
	buf := make([]byte, n, n+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	// Anything past the announced length is an error of the sender.
	if k, _ := r.Read(buf[n : n+1]); k > 0 {
		return nil, fmt.Errorf("%w: body longer than announced", ErrBadRequest)
	}
	return buf, nil
}
