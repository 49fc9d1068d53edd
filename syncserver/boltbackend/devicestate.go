package boltbackend

import (
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/syncproto"
)

// bDevState holds, per practice, the last state each device sent with a
// push (made on first use; schema 5 marks files that may hold it):
//
//	devstate/
//	  <deviceID>    JSON deviceState
var bDevState = []byte("devstate")

type deviceState struct {
	syncproto.DeviceState
	At time.Time `json:"at"`
}

// RecordDeviceState implements syncserver.Backend. The kept states are a
// few dozen bytes per device and do not count against the quota.
func (b *backend) RecordDeviceState(ctx context.Context, pid, id string, st syncproto.DeviceState, now time.Time) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		if _, err := getDevice(p, id); err != nil {
			return err
		}
		ds, err := p.CreateBucketIfNotExists(bDevState)
		if err != nil {
			return err
		}
		var last deviceState
		if v := ds.Get([]byte(id)); v != nil {
			if err := json.Unmarshal(v, &last); err != nil {
				return err
			}
		}
		if err := st.Follows(last.DeviceState); err != nil {
			return err
		}
		v, err := json.Marshal(deviceState{DeviceState: st, At: now.UTC()})
		if err != nil {
			return err
		}
		return ds.Put([]byte(id), v)
	})
}

// migrateDeviceStates is schema 5. Nothing to rewrite: a device's state
// is kept from its next push on. The version is raised so an older
// chartkeeperd refuses the file rather than accept pushes from a
// workstation put back from an old copy without a word.
func migrateDeviceStates(*bolt.Tx) error { return nil }
