package syncserver_test

import (
	"net/url"
	"testing"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

func FuzzDecodeBlobBegin(f *testing.F) {
	f.Add([]byte(`{"size":10,"chunks":1}`))
	f.Add([]byte(`{"size":0,"chunks":1}`))
	f.Add([]byte(`{"size":600000000,"chunks":573}`))
	f.Add([]byte(`{"size":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := syncserver.DecodeBlobBegin(b)
		if err != nil {
			return
		}
		if req.Size < 0 || req.Size > syncproto.MaxBlobSize || req.Chunks != store.BlobChunkCount(req.Size) {
			t.Fatalf("accepted %+v", req)
		}
	})
}

func FuzzParseBlobsQuery(f *testing.F) {
	f.Add("since=3&limit=10")
	f.Add("limit=-1")
	f.Add("since=18446744073709551616")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		bq, err := syncserver.ParseBlobsQuery(q)
		if err == nil && (bq.Limit < 1 || bq.Limit > syncproto.MaxBlobFeedLimit) {
			t.Fatalf("accepted %+v", bq)
		}
	})
}

func FuzzParseBlobPath(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef", "3")
	f.Add("../x", "")
	f.Add("a", "4294967296")
	f.Fuzz(func(t *testing.T, id, index string) {
		i, err := syncserver.ParseBlobPath(id, index)
		if err == nil && (!store.ValidRecordID(id) || i >= store.BlobChunkCount(syncproto.MaxBlobSize)) {
			t.Fatalf("accepted %q %q", id, index)
		}
	})
}
