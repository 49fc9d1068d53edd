package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"chartkeeper/store"
)

// Blob sync: scanned documents and other store blobs (see "Blobs" in the
// package documentation). The paths, all with the device credential:
//
//	POST /v1/blobs/{id}/begin          {"size":N,"chunks":C}: announce an upload;
//	                                   answers the blob's state (chunks held, committed)
//	PUT  /v1/blobs/{id}/chunks/{i}     one sealed chunk, raw bytes (application/octet-stream)
//	PUT  /v1/blobs/{id}/header         the sealed header, raw bytes: commits the blob
//	GET  /v1/blobs?since=N&limit=L     the practice's committed blobs after blob sequence N
//	GET  /v1/blobs/{id}/header         a committed blob's sealed header
//	GET  /v1/blobs/{id}/chunks/{i}     a committed blob's sealed chunk i
//
// A server whose backend does not implement [BlobBackend] answers 501.

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
	// blobFeedBatch is what the client asks for at a time.
	blobFeedBatch = 500
)

// Blob refusals.
var (
	ErrBlobTooLarge   = fmt.Errorf("this document is larger than the sync server accepts (at most %d MiB); it stays on this workstation only", MaxBlobSize>>20)
	ErrUnknownBlob    = errors.New("the server does not hold this document")
	ErrBlobMismatch   = errors.New("the server holds a different upload under this document's ID")
	ErrBlobIncomplete = errors.New("the server does not hold every part of this document yet")
	ErrBlobsNotKept   = errors.New("this sync server does not keep scanned documents")
)

// BlobBackend is what a [Backend] implements to keep blobs; the server
// serves the blob paths only when its backend does. Per practice it holds
// blobs by ID: the declared size and chunk count, the sealed chunks and,
// once committed, the sealed header and a blob sequence number (starting
// at 1, only growing) that orders the practice's blob feed. Every method
// refuses an unknown practice with ErrUnknownPractice; nothing a blob of
// one practice holds is ever reachable through another.
type BlobBackend interface {
	// BeginBlob records an upload of blob id by deviceID of size bytes in
	// chunks chunks (the server has checked both against each other and
	// against MaxBlobSize). If the blob is there already with the same
	// size and chunk count, nothing changes; with another, the error is
	// ErrBlobMismatch. It returns the blob's state: the chunks held, and
	// whether (and with what sequence) it is committed.
	BeginBlob(ctx context.Context, practiceID, deviceID, id string, size int64, chunks uint32, now time.Time) (BlobState, error)
	// PutBlobChunk stores chunk index of a begun blob durably, replacing a
	// copy sent before. It refuses a blob never begun (ErrUnknownBlob), an
	// index beyond its chunks or sealed bytes whose length is not
	// [BlobChunkSealedSize] (ErrBadRequest), and, once the blob is
	// committed, bytes other than those it holds (ErrBlobMismatch; the
	// same bytes again are fine).
	PutBlobChunk(ctx context.Context, practiceID, id string, index uint32, sealed []byte) error
	// CommitBlob stores the sealed header of a blob whose chunks are all
	// there and gives it the practice's next blob sequence number, in one
	// durable transaction: only then do BlobFeed, BlobHeader and BlobChunk
	// show it. It refuses a blob never begun (ErrUnknownBlob) or with
	// chunks missing (ErrBlobIncomplete). Committing again with the same
	// header changes nothing; with another it is ErrBlobMismatch.
	CommitBlob(ctx context.Context, practiceID, id string, header []byte) (BlobState, error)
	// BlobFeed lists committed blobs with a sequence above since, in
	// order, at most limit of them; LastSeq is the last listed (since when
	// none) and More says whether more follow.
	BlobFeed(ctx context.Context, practiceID string, since uint64, limit int) (BlobFeedResponse, error)
	// BlobHeader returns a committed blob's sealed header and state;
	// ErrUnknownBlob when it is absent or not committed.
	BlobHeader(ctx context.Context, practiceID, id string) ([]byte, BlobState, error)
	// BlobChunk returns chunk index of a committed blob; ErrUnknownBlob
	// when the blob is absent or not committed, or there is no such chunk.
	BlobChunk(ctx context.Context, practiceID, id string, index uint32) ([]byte, error)
}

// BlobState is what the server knows of a blob: no more than its ID, size
// and chunk count, which chunks it holds, and whether it is committed.
type BlobState struct {
	ID        string   `json:"id"`
	Size      int64    `json:"size"`
	Chunks    uint32   `json:"chunks"`
	Have      []uint32 `json:"have,omitempty"` // chunks held (uncommitted blobs)
	Committed bool     `json:"committed"`
	Seq       uint64   `json:"seq,omitempty"` // blob sequence, once committed
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

// DecodeBlobBegin parses and checks a begin body.
func DecodeBlobBegin(body []byte) (BlobBeginRequest, error) {
	var req BlobBeginRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if req.Size < 0 {
		return req, fmt.Errorf("%w: negative size", ErrBadRequest)
	}
	if req.Size > MaxBlobSize {
		return req, ErrBlobTooLarge
	}
	if req.Chunks != store.BlobChunkCount(req.Size) {
		return req, fmt.Errorf("%w: chunk count does not match the size", ErrBadRequest)
	}
	return req, nil
}

// BlobsQuery is a parsed GET /v1/blobs query.
type BlobsQuery struct {
	Since uint64
	Limit int
}

// ParseBlobsQuery parses and checks the query of GET /v1/blobs.
func ParseBlobsQuery(q url.Values) (BlobsQuery, error) {
	bq := BlobsQuery{Limit: blobFeedBatch}
	var err error
	if v := q.Get("since"); v != "" {
		if bq.Since, err = strconv.ParseUint(v, 10, 64); err != nil {
			return bq, fmt.Errorf("%w: since", ErrBadRequest)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bq, fmt.Errorf("%w: limit", ErrBadRequest)
		}
		bq.Limit = min(n, MaxBlobFeedLimit)
	}
	return bq, nil
}

// ParseBlobPath checks the blob ID and (when given) chunk index of a blob
// path.
func ParseBlobPath(id, index string) (uint32, error) {
	if !store.ValidRecordID(id) {
		return 0, fmt.Errorf("%w: bad blob ID", ErrBadRequest)
	}
	if index == "" {
		return 0, nil
	}
	i, err := strconv.ParseUint(index, 10, 32)
	if err != nil || i >= uint64(store.BlobChunkCount(MaxBlobSize)) {
		return 0, fmt.Errorf("%w: bad chunk index", ErrBadRequest)
	}
	return uint32(i), nil
}

// registerBlobs adds the blob paths to the server's routes.
func (s *Server) registerBlobs() {
	bb, ok := s.b.(BlobBackend)
	h := func(f func(BlobBackend, http.ResponseWriter, *http.Request, authInfo)) http.HandlerFunc {
		return s.authed(func(w http.ResponseWriter, r *http.Request, ai authInfo) {
			if !ok {
				writeErr(w, http.StatusNotImplemented, ErrBlobsNotKept.Error())
				return
			}
			f(bb, w, r, ai)
		})
	}
	s.mux.HandleFunc("POST /v1/blobs/{id}/begin", h(s.blobBegin))
	s.mux.HandleFunc("PUT /v1/blobs/{id}/chunks/{index}", h(s.blobPutChunk))
	s.mux.HandleFunc("PUT /v1/blobs/{id}/header", h(s.blobCommit))
	s.mux.HandleFunc("GET /v1/blobs", h(s.blobFeed))
	s.mux.HandleFunc("GET /v1/blobs/{id}/header", h(s.blobGetHeader))
	s.mux.HandleFunc("GET /v1/blobs/{id}/chunks/{index}", h(s.blobGetChunk))
}

// blobFail answers blob refusals; the rest goes to fail.
func (s *Server) blobFail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrBlobTooLarge):
		writeErr(w, http.StatusRequestEntityTooLarge, ErrBlobTooLarge.Error())
	case errors.Is(err, ErrUnknownBlob):
		writeErr(w, http.StatusNotFound, ErrUnknownBlob.Error())
	case errors.Is(err, ErrBlobMismatch), errors.Is(err, ErrBlobIncomplete):
		writeErr(w, http.StatusConflict, err.Error())
	default:
		s.fail(w, err)
	}
}

func (s *Server) blobBegin(bb BlobBackend, w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	if _, err := ParseBlobPath(id, ""); err != nil {
		s.blobFail(w, err)
		return
	}
	body, err := readBody(w, r, MaxSmallBody)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	req, err := DecodeBlobBegin(body)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	st, err := bb.BeginBlob(r.Context(), ai.practice, ai.device, id, req.Size, req.Chunks, s.opts.Now().UTC())
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) blobPutChunk(bb BlobBackend, w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	i, err := ParseBlobPath(id, r.PathValue("index"))
	if err != nil {
		s.blobFail(w, err)
		return
	}
	body, err := readSized(http.MaxBytesReader(w, r.Body, MaxBlobChunkBody), r.ContentLength, MaxBlobChunkBody)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	if err := bb.PutBlobChunk(r.Context(), ai.practice, id, i, body); err != nil {
		s.blobFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		OK bool `json:"ok"`
	}{true})
}

func (s *Server) blobCommit(bb BlobBackend, w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	if _, err := ParseBlobPath(id, ""); err != nil {
		s.blobFail(w, err)
		return
	}
	body, err := readBody(w, r, MaxBlobHeaderBody)
	if err == nil && len(body) <= store.BlobSealOverhead {
		err = fmt.Errorf("%w: empty blob header", ErrBadRequest)
	}
	if err != nil {
		s.blobFail(w, err)
		return
	}
	st, err := bb.CommitBlob(r.Context(), ai.practice, id, body)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) blobFeed(bb BlobBackend, w http.ResponseWriter, r *http.Request, ai authInfo) {
	q, err := ParseBlobsQuery(r.URL.Query())
	if err != nil {
		s.blobFail(w, err)
		return
	}
	res, err := bb.BlobFeed(r.Context(), ai.practice, q.Since, q.Limit)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	if res.Blobs == nil {
		res.Blobs = []BlobState{}
	}
	writeJSON(w, http.StatusOK, res)
}

func writeRaw(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *Server) blobGetHeader(bb BlobBackend, w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	if _, err := ParseBlobPath(id, ""); err != nil {
		s.blobFail(w, err)
		return
	}
	h, _, err := bb.BlobHeader(r.Context(), ai.practice, id)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeRaw(w, h)
}

func (s *Server) blobGetChunk(bb BlobBackend, w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	i, err := ParseBlobPath(id, r.PathValue("index"))
	if err != nil {
		s.blobFail(w, err)
		return
	}
	c, err := bb.BlobChunk(r.Context(), ai.practice, id, i)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeRaw(w, c)
}

// raw sends body (nil: none) as raw bytes and returns the raw answer, at
// most max bytes; refusals come back as *ServerError as from call.
func (c *httpClient) raw(ctx context.Context, method, path string, body []byte, max int64) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Server+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	req.Header.Set(HeaderPractice, c.cfg.PracticeID)
	req.Header.Set(HeaderDevice, c.cfg.DeviceID)
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var er ErrorResponse
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(b, &er) != nil || er.Error == "" {
			er.Error = http.StatusText(resp.StatusCode)
		}
		return nil, &ServerError{Status: resp.StatusCode, Msg: er.Error}
	}
	out, err := readSized(io.LimitReader(resp.Body, max+1), resp.ContentLength, max)
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("the server's answer is larger than a document part can be")
	}
	return out, nil
}

// readSized reads r to its end, into one buffer of the announced length n
// when that is known and at most max (a chunk is a megabyte: reading it
// into a growing buffer would copy it several times).
func readSized(r io.Reader, n, max int64) ([]byte, error) {
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

func (c *Client) blobPushMark() string { return "blobpush:" + c.serverID() }
func (c *Client) blobPullMark() string { return "blobpull:" + c.serverID() }

// notKept reports a server that does not keep blobs (501): blob sync is
// skipped there and its checkpoints stay where they are.
func notKept(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && se.Status == http.StatusNotImplemented
}

// pushBlobs uploads every blob of the store's blob feed made on this
// workstation since the blob push checkpoint, and moves the checkpoint
// past each blob once the server has committed it. A blob the server
// refuses for good (too large) or that cannot be read here (damaged) is
// passed over so it holds up nothing else; the first such error is
// returned after the rest went.
func (c *Client) pushBlobs(ctx context.Context, res *Result) error {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	var skipped error
	for {
		var since uint64
		if err := c.st.View(func(tx *store.Tx) error { since = tx.SyncMark(c.blobPushMark()); return nil }); err != nil {
			return err
		}
		feed, err := c.st.BlobFeed(since, blobFeedBatch)
		if err != nil {
			return err
		}
		for _, e := range feed {
			if !e.Remote {
				sent, err := c.uploadBlob(ctx, e.ID)
				switch {
				case notKept(err):
					c.noBlobs.Store(true)
					return nil
				case err != nil && (Unreachable(err) || ctx.Err() != nil || errors.Is(err, ErrQuotaExceeded)):
					// Kept for the next try (a full quota may be raised).
					return err
				case err != nil:
					if skipped == nil {
						skipped = fmt.Errorf("a document could not be sent to the sync server: %w", err)
					}
				case sent:
					res.BlobsPushed++
				}
			}
			if err := c.st.Update(func(tx *store.Tx) error { return tx.SetSyncMark(c.blobPushMark(), e.Seq) }); err != nil {
				return err
			}
		}
		if len(feed) < blobFeedBatch {
			return skipped
		}
	}
}

// pendingDocs counts the blobs made here that the server has not stored
// yet (-1 when the store cannot tell).
func (c *Client) pendingDocs() int {
	if c.noBlobs.Load() {
		return 0
	}
	n := 0
	since := uint64(0)
	if err := c.st.View(func(tx *store.Tx) error { since = tx.SyncMark(c.blobPushMark()); return nil }); err != nil {
		return -1
	}
	for {
		feed, err := c.st.BlobFeed(since, blobFeedBatch)
		if err != nil {
			return -1
		}
		for _, e := range feed {
			if !e.Remote {
				n++
			}
			since = e.Seq
		}
		if len(feed) < blobFeedBatch {
			return n
		}
	}
}

// uploadBlob sends one blob: it announces it, sends the chunks the server
// lacks one request each, and commits it by sending the header last. sent
// is false when the server had it already.
func (c *Client) uploadBlob(ctx context.Context, id string) (sent bool, err error) {
	header, info, err := c.st.ExportBlobHeader(id)
	if err != nil {
		return false, err
	}
	if info.Size > MaxBlobSize {
		return false, ErrBlobTooLarge
	}
	var st BlobState
	rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
	err = c.h.call(rctx, "POST", "/v1/blobs/"+id+"/begin", BlobBeginRequest{Size: info.Size, Chunks: info.Chunks}, &st)
	cancel()
	if err != nil {
		var se *ServerError
		if errors.As(err, &se) && se.Status == http.StatusRequestEntityTooLarge {
			return false, ErrBlobTooLarge
		}
		return false, err
	}
	if st.Committed {
		return false, nil
	}
	have := make(map[uint32]bool, len(st.Have))
	for _, i := range st.Have {
		have[i] = true
	}
	for i := uint32(0); i < info.Chunks; i++ {
		if have[i] {
			continue
		}
		sealed, err := c.st.ExportBlobChunk(info, i)
		if err != nil {
			return false, err
		}
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		_, err = c.h.raw(rctx, "PUT", "/v1/blobs/"+id+"/chunks/"+strconv.FormatUint(uint64(i), 10), sealed, MaxSmallBody)
		cancel()
		if err != nil {
			return false, err
		}
	}
	rctx, cancel = context.WithTimeout(ctx, c.RequestTimeout)
	defer cancel()
	b, err := c.h.raw(rctx, "PUT", "/v1/blobs/"+id+"/header", header, MaxSmallBody)
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, &st); err != nil || !st.Committed {
		return false, fmt.Errorf("the sync server did not confirm it stored the document")
	}
	return true, nil
}

// pullBlobs fetches every blob in the server's blob feed after the blob
// pull checkpoint that the store lacks, and moves the checkpoint past each
// once it is stored (or was there already). A blob that fails its check
// stops the pull there: nothing of it is kept and the checkpoint stays.
func (c *Client) pullBlobs(ctx context.Context, res *Result) error {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	for {
		var since uint64
		if err := c.st.View(func(tx *store.Tx) error { since = tx.SyncMark(c.blobPullMark()); return nil }); err != nil {
			return err
		}
		q := url.Values{}
		q.Set("since", strconv.FormatUint(since, 10))
		q.Set("limit", strconv.Itoa(blobFeedBatch))
		var fr BlobFeedResponse
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		err := c.h.call(rctx, "GET", "/v1/blobs?"+q.Encode(), nil, &fr)
		cancel()
		if notKept(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if fr.LastSeq < since {
			// The server lost documents (recover.go): offer them again.
			if err := c.serverRestored(c.blobPullMark(), fr.LastSeq); err != nil {
				return err
			}
			continue
		}
		for _, b := range fr.Blobs {
			if b.Seq <= since || b.Seq > fr.LastSeq {
				return fmt.Errorf("the server listed document %s out of sequence", b.ID)
			}
			if _, err := ParseBlobPath(b.ID, ""); err != nil {
				return fmt.Errorf("the server listed a malformed document ID")
			}
			has, err := c.st.HasBlob(b.ID)
			if err != nil {
				return err
			}
			if !has {
				if err := c.downloadBlob(ctx, b.ID); err != nil {
					return err
				}
				res.BlobsPulled++
			}
			if err := c.st.Update(func(tx *store.Tx) error { return tx.SetSyncMark(c.blobPullMark(), b.Seq) }); err != nil {
				return err
			}
		}
		if fr.LastSeq > since {
			if err := c.st.Update(func(tx *store.Tx) error { return tx.SetSyncMark(c.blobPullMark(), fr.LastSeq) }); err != nil {
				return err
			}
		}
		if !fr.More {
			return nil
		}
	}
}

// downloadBlob fetches one blob: its header, then the chunks the store
// does not hold yet (an interrupted download resumes), each checked before
// it is stored, and commits it once the content matches the header.
func (c *Client) downloadBlob(ctx context.Context, id string) error {
	rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
	header, err := c.h.raw(rctx, "GET", "/v1/blobs/"+id+"/header", nil, MaxBlobHeaderBody)
	cancel()
	if err != nil {
		return err
	}
	refused := func(err error) error {
		return fmt.Errorf("a document from the sync server failed its integrity check (changed or damaged on the server); nothing of it was kept: %w", err)
	}
	imp, err := c.st.ImportBlob(id, header)
	if err != nil {
		if errors.Is(err, store.ErrTampered) {
			return refused(err)
		}
		return err
	}
	missing, err := imp.Missing()
	if err != nil {
		return err
	}
	for _, i := range missing {
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		sealed, err := c.h.raw(rctx, "GET", "/v1/blobs/"+id+"/chunks/"+strconv.FormatUint(uint64(i), 10), nil, MaxBlobChunkBody)
		cancel()
		if err != nil {
			// Keep what arrived, for the next try to resume from.
			if ferr := imp.Flush(); ferr != nil {
				return errors.Join(err, ferr)
			}
			return err
		}
		if err := imp.PutChunk(i, sealed); err != nil {
			if errors.Is(err, store.ErrTampered) {
				imp.Abort()
				return refused(err)
			}
			return err
		}
	}
	if err := imp.Commit(); err != nil {
		if errors.Is(err, store.ErrTampered) {
			imp.Abort()
			return refused(err)
		}
		return err
	}
	return nil
}
