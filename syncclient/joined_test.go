package syncclient_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"testing"

	"chartkeeper/syncclient"
)

// The test practice's workstations are joined with enrollment codes, the
// only way in besides registering the practice: each is its own device,
// and the server no longer lets an enrolled device add another directly.
func TestWorkstationsJoinWithCodesOnly(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 3)
	ds, err := syncclient.Devices(context.Background(), ws[0].cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names, ids []string
	for _, d := range ds {
		names, ids = append(names, d.Name), append(ids, d.ID)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"front desk", "room 1", "room 2"}) {
		t.Fatalf("devices %v", names)
	}
	for i, w := range ws {
		if w.cfg.DeviceID != w.st.DeviceID() || !slices.Contains(ids, w.cfg.DeviceID) {
			t.Fatalf("workstation %d: device %s, store's %s, server's %v", i, w.cfg.DeviceID, w.st.DeviceID(), ids)
		}
		if i > 0 && (token(t, w.cfg) == token(t, ws[0].cfg) || w.st.DeviceID() == ws[0].st.DeviceID()) {
			t.Fatalf("workstation %d shares the first one's credential or device ID", i)
		}
	}
	// The interim "add a device" call is gone.
	body := []byte(`{"device":"abc","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`)
	req, _ := http.NewRequest("POST", ts.url()+"/v1/devices", bytes.NewReader(body))
	if err := ws[0].cfg.Authorize(req, body); err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: mustTLS(t, ts.fp)}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /v1/devices: %d, want 405", resp.StatusCode)
	}
	if ds, _ := syncclient.Devices(context.Background(), ws[0].cfg); len(ds) != 3 {
		t.Fatalf("%d devices after the refused call", len(ds))
	}
}
