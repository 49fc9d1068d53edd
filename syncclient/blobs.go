package syncclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// Blob sync, the workstation's side (see "Blobs" in docs/SYNC.md): upload
// the documents made here, download those the store lacks.

// raw sends body (nil: none) as raw bytes and returns the raw answer, at
// most max bytes; refusals come back as *ServerError as from call.
func (c *httpClient) raw(ctx context.Context, method, path string, body []byte, max int64) ([]byte, error) {
	resp, err := c.send(ctx, method, path, body, "application/octet-stream")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := syncproto.ReadSized(io.LimitReader(resp.Body, max+1), resp.ContentLength, max)
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("the server's answer is larger than a document part can be")
	}
	return out, nil
}

func (c *Client) blobPushMark() string { return "blobpush:" + c.serverID() }
func (c *Client) blobPullMark() string { return "blobpull:" + c.serverID() }

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
		feed, err := c.st.BlobFeed(since, syncproto.DefaultBlobFeedLimit)
		if err != nil {
			return err
		}
		for _, e := range feed {
			if !e.Remote {
				sent, err := c.uploadBlob(ctx, e.ID)
				switch {
				case err != nil && (Unreachable(err) || ctx.Err() != nil || errors.Is(err, syncproto.ErrQuotaExceeded)):
					// Kept for the next try (a full quota may be raised).
					return err
				case errors.Is(err, store.ErrNotFound):
					// Dropped since the feed was read (the inbox copy of
					// a scan filed as clinical): nothing to send.
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
		if len(feed) < syncproto.DefaultBlobFeedLimit {
			return skipped
		}
	}
}

// pendingDocs counts the blobs made here that the server has not stored
// yet (-1 when the store cannot tell).
func (c *Client) pendingDocs() int {
	n := 0
	since := uint64(0)
	if err := c.st.View(func(tx *store.Tx) error { since = tx.SyncMark(c.blobPushMark()); return nil }); err != nil {
		return -1
	}
	for {
		feed, err := c.st.BlobFeed(since, syncproto.DefaultBlobFeedLimit)
		if err != nil {
			return -1
		}
		for _, e := range feed {
			if !e.Remote {
				n++
			}
			since = e.Seq
		}
		if len(feed) < syncproto.DefaultBlobFeedLimit {
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
	if info.Size > syncproto.MaxBlobSize {
		return false, syncproto.ErrBlobTooLarge
	}
	var st syncproto.BlobState
	rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
	err = c.h.call(rctx, "POST", "/v1/blobs/"+id+"/begin", syncproto.BlobBeginRequest{Size: info.Size, Chunks: info.Chunks}, &st)
	cancel()
	if err != nil {
		var se *ServerError
		if errors.As(err, &se) && se.Status == http.StatusRequestEntityTooLarge {
			return false, syncproto.ErrBlobTooLarge
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
		_, err = c.h.raw(rctx, "PUT", "/v1/blobs/"+id+"/chunks/"+strconv.FormatUint(uint64(i), 10), sealed, syncproto.MaxSmallBody)
		cancel()
		if err != nil {
			return false, err
		}
	}
	rctx, cancel = context.WithTimeout(ctx, c.RequestTimeout)
	defer cancel()
	b, err := c.h.raw(rctx, "PUT", "/v1/blobs/"+id+"/header", header, syncproto.MaxSmallBody)
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
// is not kept: the part that failed is set aside (store/setaside.go) and
// the checkpoint moves past it.
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
		q.Set("limit", strconv.Itoa(syncproto.DefaultBlobFeedLimit))
		var fr syncproto.BlobFeedResponse
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		err := c.h.call(rctx, "GET", "/v1/blobs?"+q.Encode(), nil, &fr)
		cancel()
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
			if !store.ValidRecordID(b.ID) {
				return fmt.Errorf("the server listed a malformed document ID")
			}
			has, err := c.st.HasBlob(b.ID)
			if err != nil {
				return err
			}
			if !has {
				err := c.downloadBlob(ctx, b.ID)
				var bad *badBlob
				switch {
				case errors.As(err, &bad):
					// Set aside, and the pull goes on past it.
					bad.item.Device = b.Device
					added := false
					if err := c.st.Update(func(tx *store.Tx) (err error) { added, err = tx.PutSetAside(bad.item); return err }); err != nil {
						return err
					}
					if added {
						res.SetAside++
					}
				case err != nil:
					return err
				default:
					res.BlobsPulled++
				}
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
	header, err := c.h.raw(rctx, "GET", "/v1/blobs/"+id+"/header", nil, syncproto.MaxBlobHeaderBody)
	cancel()
	if err != nil {
		return err
	}
	refused := func(kind string, i uint32, b []byte, reason string, err error) error {
		return &badBlob{
			item: store.SetAside{Kind: kind, ID: id, Seq: uint64(i), Reason: reason, Bytes: b},
			err:  fmt.Errorf("a document from the sync server failed its integrity check (changed or damaged on the server); nothing of it was kept: %w", err),
		}
	}
	imp, err := c.st.ImportBlob(id, header)
	if err != nil {
		if errors.Is(err, store.ErrTampered) {
			return refused(store.SetAsideHeader, 0, header, "its header was not sealed by this practice for this document, or does not agree with itself", err)
		}
		return err
	}
	missing, err := imp.Missing()
	if err != nil {
		return err
	}
	for _, i := range missing {
		rctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
		sealed, err := c.h.raw(rctx, "GET", "/v1/blobs/"+id+"/chunks/"+strconv.FormatUint(uint64(i), 10), nil, syncproto.MaxBlobChunkBody)
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
				return refused(store.SetAsideChunk, i, sealed, "it was not sealed by this practice for this document and place, or has the wrong length", err)
			}
			return err
		}
	}
	if err := imp.Commit(); err != nil {
		if errors.Is(err, store.ErrTampered) {
			imp.Abort()
			return refused(store.SetAsideHeader, 0, header, "the document's content does not match its header", err)
		}
		return err
	}
	return nil
}

// badBlob is a document from the server that failed its checks: the part
// that failed, to set aside.
type badBlob struct {
	item store.SetAside
	err  error
}

func (e *badBlob) Error() string { return e.err.Error() }
func (e *badBlob) Unwrap() error { return e.err }
