package syncserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

func FuzzDecodeRevoke(f *testing.F) {
	f.Add([]byte(`{"device":"0123456789abcdef0123456789abcdef"}`))
	f.Add([]byte(`{"device":""}`))
	f.Add([]byte(`{"device":"../../etc"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := syncserver.DecodeRevoke(b); err == nil && !store.ValidRecordID(r.DeviceID) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

// fuzzPaths are the routes the server handler fuzz aims at (the fuzzer
// picks one by index, and may add to it).
var fuzzPaths = []string{"/v1/health", "/v1/register", "/v1/push", "/v1/changes", "/v1/devices",
	"/v1/devices/revoke", "/v1/enroll", "/v1/enroll/redeem", "/v1/", "/", "/v1/devices/key"}

// FuzzServerHandler sends arbitrary requests, with and without a valid
// device credential (token and signature), through the whole handler over
// a real bbolt backend: every decoder, the query parser and the credential
// and signature checks. Whatever comes
// in, the server must not panic, must answer with a protocol status and a
// JSON body, and must never answer 500 (a bad request is not a server
// failure).
func FuzzServerHandler(f *testing.F) {
	b, err := boltbackend.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Close() })
	// No rate limits: the fuzzer sends thousands of requests from one
	// address, and a 429 would only stop it from reaching the decoders.
	srv := syncserver.NewServer(b, syncserver.WithOpenRegistration(), syncserver.WithRateLimits(0, 0, 0, 0))
	practice, device, token := store.NewID(), store.NewID(), syncproto.NewToken()
	cred := store.NewDeviceCredentials(token)
	reg, _ := json.Marshal(syncproto.RegisterRequest{PracticeID: practice, DeviceID: device, Token: token, PublicKey: cred.PublicKey()})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/register", bytes.NewReader(reg)))
	if rec.Code != http.StatusOK {
		f.Fatalf("register: %d %s", rec.Code, rec.Body)
	}

	f.Add(uint8(2), "", "", []byte(`{"revs":[{"id":"abc","rev":"1-00000000000000000000000000000001","sealed":"AAAA"}]}`), true)
	f.Add(uint8(3), "", "since=0&limit=5&all=1", []byte(nil), true)
	f.Add(uint8(3), "", "since=x&wait=NaN", []byte(nil), true)
	f.Add(uint8(5), "", "", []byte(`{"device":"`+device+`"}`), false)
	f.Add(uint8(6), "", "", []byte(`{"token_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","sealed":"AAAA","ttl_seconds":86400}`), true)
	f.Add(uint8(7), "", "", []byte(`{"practice":"`+practice+`","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","device":"d1","device_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), false)
	f.Add(uint8(1), "", "", []byte(`{"practice":"p2","device":"d2","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), false)
	f.Add(uint8(4), "/x", "", []byte(`{}`), true)
	allowed := []int{http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusMethodNotAllowed, http.StatusConflict, http.StatusGone, http.StatusRequestEntityTooLarge,
		http.StatusMovedPermanently, http.StatusTemporaryRedirect} // the mux's redirects to clean paths
	f.Fuzz(func(t *testing.T, route uint8, extra, query string, body []byte, authed bool) {
		path := fuzzPaths[int(route)%len(fuzzPaths)] + extra
		if bytes.Contains(body, []byte(device)) {
			return // revoking the fuzzing device itself would only end the run
		}
		method := "POST"
		if route&0x80 != 0 || body == nil {
			method = "GET"
		}
		req, err := http.NewRequest(method, "https://server"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.URL.RawQuery = query
		if authed {
			req.Header.Set(syncproto.HeaderPractice, practice)
			req.Header.Set(syncproto.HeaderDevice, device)
			req.Header.Set("Authorization", "Bearer "+token)
			sig, err := syncproto.SignRequest(cred, method, req.URL.RequestURI(), practice, device, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set(syncproto.HeaderSignature, sig)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if !slices.Contains(allowed, w.Code) {
			t.Fatalf("%s %s?%s: status %d: %s", method, path, query, w.Code, w.Body)
		}
		plain := w.Code >= 300 && w.Code < 400 || w.Code == http.StatusNotFound || w.Code == http.StatusMethodNotAllowed
		if !plain && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: answer is not JSON: %q", method, path, w.Body)
		}
	})
}
