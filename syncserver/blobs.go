package syncserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// The blob handlers (see "Blobs" in docs/SYNC.md; the paths are in
// syncproto) and the blob request decoders.

// DecodeBlobBegin parses and checks a begin body.
func DecodeBlobBegin(body []byte) (syncproto.BlobBeginRequest, error) {
	var req syncproto.BlobBeginRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	if req.Size < 0 {
		return req, fmt.Errorf("%w: negative size", syncproto.ErrBadRequest)
	}
	if req.Size > syncproto.MaxBlobSize {
		return req, syncproto.ErrBlobTooLarge
	}
	if req.Chunks != store.BlobChunkCount(req.Size) {
		return req, fmt.Errorf("%w: chunk count does not match the size", syncproto.ErrBadRequest)
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
	bq := BlobsQuery{Limit: syncproto.DefaultBlobFeedLimit}
	var err error
	if v := q.Get("since"); v != "" {
		if bq.Since, err = strconv.ParseUint(v, 10, 64); err != nil {
			return bq, fmt.Errorf("%w: since", syncproto.ErrBadRequest)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bq, fmt.Errorf("%w: limit", syncproto.ErrBadRequest)
		}
		bq.Limit = min(n, syncproto.MaxBlobFeedLimit)
	}
	return bq, nil
}

// ParseBlobPath checks the blob ID and (when given) chunk index of a blob
// path.
func ParseBlobPath(id, index string) (uint32, error) {
	if !store.ValidRecordID(id) {
		return 0, fmt.Errorf("%w: bad blob ID", syncproto.ErrBadRequest)
	}
	if index == "" {
		return 0, nil
	}
	i, err := strconv.ParseUint(index, 10, 32)
	if err != nil || i >= uint64(store.BlobChunkCount(syncproto.MaxBlobSize)) {
		return 0, fmt.Errorf("%w: bad chunk index", syncproto.ErrBadRequest)
	}
	return uint32(i), nil
}

// registerBlobs adds the blob paths to the server's routes.
func (s *Server) registerBlobs() {
	s.mux.HandleFunc("POST /v1/blobs/{id}/begin", s.authed(syncproto.MaxSmallBody, s.blobBegin))
	s.mux.HandleFunc("PUT /v1/blobs/{id}/chunks/{index}", s.authed(syncproto.MaxBlobChunkBody, s.blobPutChunk))
	s.mux.HandleFunc("PUT /v1/blobs/{id}/header", s.authed(syncproto.MaxBlobHeaderBody, s.blobCommit))
	s.mux.HandleFunc("GET /v1/blobs", s.authed(0, s.blobFeed))
	s.mux.HandleFunc("GET /v1/blobs/{id}/header", s.authed(0, s.blobGetHeader))
	s.mux.HandleFunc("GET /v1/blobs/{id}/chunks/{index}", s.authed(0, s.blobGetChunk))
}

// blobFail answers blob refusals; the rest goes to fail.
func (s *Server) blobFail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, syncproto.ErrBlobTooLarge):
		writeErr(w, http.StatusRequestEntityTooLarge, syncproto.ErrBlobTooLarge.Error())
	case errors.Is(err, syncproto.ErrUnknownBlob):
		writeErr(w, http.StatusNotFound, syncproto.ErrUnknownBlob.Error())
	case errors.Is(err, syncproto.ErrBlobMismatch), errors.Is(err, syncproto.ErrBlobIncomplete):
		writeErr(w, http.StatusConflict, err.Error())
	default:
		s.fail(w, err)
	}
}

func (s *Server) blobBegin(w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	if _, err := ParseBlobPath(id, ""); err != nil {
		s.blobFail(w, err)
		return
	}
	body, err := readBody(w, r, syncproto.MaxSmallBody)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	req, err := DecodeBlobBegin(body)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	st, err := s.b.BeginBlob(r.Context(), ai.practice, ai.device, id, req.Size, req.Chunks, s.now().UTC())
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) blobPutChunk(w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	i, err := ParseBlobPath(id, r.PathValue("index"))
	if err != nil {
		s.blobFail(w, err)
		return
	}
	body, err := readBody(w, r, syncproto.MaxBlobChunkBody) // read and checked by authed
	if err != nil {
		s.blobFail(w, err)
		return
	}
	if err := s.b.PutBlobChunk(r.Context(), ai.practice, id, i, body); err != nil {
		s.blobFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		OK bool `json:"ok"`
	}{true})
}

func (s *Server) blobCommit(w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	if _, err := ParseBlobPath(id, ""); err != nil {
		s.blobFail(w, err)
		return
	}
	body, err := readBody(w, r, syncproto.MaxBlobHeaderBody)
	if err == nil && len(body) <= store.BlobSealOverhead {
		err = fmt.Errorf("%w: empty blob header", syncproto.ErrBadRequest)
	}
	if err != nil {
		s.blobFail(w, err)
		return
	}
	st, err := s.b.CommitBlob(r.Context(), ai.practice, id, body)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) blobFeed(w http.ResponseWriter, r *http.Request, ai authInfo) {
	q, err := ParseBlobsQuery(r.URL.Query())
	if err != nil {
		s.blobFail(w, err)
		return
	}
	res, err := s.b.BlobFeed(r.Context(), ai.practice, q.Since, q.Limit)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	if res.Blobs == nil {
		res.Blobs = []syncproto.BlobState{}
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

func (s *Server) blobGetHeader(w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	if _, err := ParseBlobPath(id, ""); err != nil {
		s.blobFail(w, err)
		return
	}
	h, _, err := s.b.BlobHeader(r.Context(), ai.practice, id)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeRaw(w, h)
}

func (s *Server) blobGetChunk(w http.ResponseWriter, r *http.Request, ai authInfo) {
	id := r.PathValue("id")
	i, err := ParseBlobPath(id, r.PathValue("index"))
	if err != nil {
		s.blobFail(w, err)
		return
	}
	c, err := s.b.BlobChunk(r.Context(), ai.practice, id, i)
	if err != nil {
		s.blobFail(w, err)
		return
	}
	writeRaw(w, c)
}
