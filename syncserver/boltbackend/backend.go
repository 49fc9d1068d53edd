package boltbackend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// backend is the bbolt storage.
type backend struct {
	db    *bolt.DB
	id    string
	quota quota // quota.go
	// scrubDue: a redeem forgot sealed bytes; the next sweep overwrites
	// the free pages (enroll.go).
	scrubDue atomic.Bool
}

// ErrInUse means another process (a running chartkeeperd) holds the file.
var ErrInUse = errors.New("the server store is in use by another process")

// Open opens the backend in dir, creating the folder and the file if
// needed and bringing an older file up to date (migrations.go).
func Open(dir string) (syncserver.Backend, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrInUse
	}
	if err != nil {
		return nil, fmt.Errorf("opening the server store: %w", err)
	}
	b := &backend{db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrate(tx, migrations); err != nil {
			return err
		}
		b.id = string(tx.Bucket(bServer).Get(kID))
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

func (b *backend) ServerID() string { return b.id }
func (b *backend) Close() error     { return b.db.Close() }

func (b *backend) practice(tx *bolt.Tx, pid string) (*bolt.Bucket, error) {
	p := tx.Bucket(bPractice).Bucket([]byte(pid))
	if p == nil {
		return nil, syncproto.ErrUnknownPractice
	}
	return p, nil
}

func (b *backend) RegisterPractice(ctx context.Context, pid string, first syncserver.Device, keys syncserver.PracticeKeys) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bPractice)
		if root.Bucket([]byte(pid)) != nil {
			return syncproto.ErrPracticeExists
		}
		p, err := root.CreateBucket([]byte(pid))
		if err != nil {
			return err
		}
		info, _ := json.Marshal(struct {
			Registered time.Time `json:"registered"`
		}{first.Created})
		if err := p.Put(kInfo, info); err != nil {
			return err
		}
		for _, name := range [][]byte{bDevices, bIndex, bLog} {
			if _, err := p.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := b.addUsage(p, syncserver.RegistrationSize(first)); err != nil {
			return err
		}
		if err := putKeys(p, keys); err != nil {
			return err
		}
		return putDevice(p, first)
	})
}

// putKeys stores the practice's public keys (nothing when both are empty).
func putKeys(p *bolt.Bucket, keys syncserver.PracticeKeys) error {
	if len(keys.Admin) == 0 && len(keys.Recovery) == 0 {
		return p.Delete(kKeys)
	}
	v, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	return p.Put(kKeys, v)
}

func getKeys(p *bolt.Bucket) (syncserver.PracticeKeys, error) {
	var k syncserver.PracticeKeys
	v := p.Get(kKeys)
	if v == nil {
		return k, nil
	}
	err := json.Unmarshal(v, &k)
	return k, err
}

func (b *backend) PracticeKeys(ctx context.Context, pid string) (k syncserver.PracticeKeys, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		k, err = getKeys(p)
		return err
	})
	return k, err
}

func (b *backend) ReplacePracticeKeys(ctx context.Context, pid string, old, next syncserver.PracticeKeys) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		have, err := getKeys(p)
		if err != nil {
			return err
		}
		if !have.Equal(old) {
			return syncproto.ErrPracticeKeysChanged
		}
		return putKeys(p, next)
	})
}

func putDevice(p *bolt.Bucket, d syncserver.Device) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return p.Bucket(bDevices).Put([]byte(d.ID), v)
}

func getDevice(p *bolt.Bucket, id string) (syncserver.Device, error) {
	var d syncserver.Device
	v := p.Bucket(bDevices).Get([]byte(id))
	if v == nil {
		return d, syncproto.ErrUnknownDevice
	}
	err := json.Unmarshal(v, &d)
	return d, err
}

func (b *backend) AddDevice(ctx context.Context, pid string, d syncserver.Device) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		if p.Bucket(bDevices).Get([]byte(d.ID)) != nil {
			return syncproto.ErrDeviceExists
		}
		if err := b.addUsage(p, syncserver.DeviceSize(d)); err != nil {
			return err
		}
		return putDevice(p, d)
	})
}

func (b *backend) Device(ctx context.Context, pid, id string) (d syncserver.Device, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		d, err = getDevice(p, id)
		return err
	})
	return d, err
}

func (b *backend) Devices(ctx context.Context, pid string) (ds []syncserver.Device, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		return p.Bucket(bDevices).ForEach(func(k, v []byte) error {
			var d syncserver.Device
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			ds = append(ds, d)
			return nil
		})
	})
	return ds, err
}

func (b *backend) SetDeviceKey(ctx context.Context, pid, id string, pub []byte) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		d, err := getDevice(p, id)
		if err != nil {
			return err
		}
		if len(d.PublicKey) > 0 {
			if bytes.Equal(d.PublicKey, pub) {
				return nil
			}
			return syncproto.ErrDeviceKeyExists
		}
		if err := b.addUsage(p, int64(len(pub))); err != nil {
			return err
		}
		d.PublicKey = bytes.Clone(pub)
		return putDevice(p, d)
	})
}

func (b *backend) RevokeDevice(ctx context.Context, pid, id string, at time.Time) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		d, err := getDevice(p, id)
		if err != nil {
			return err
		}
		if !d.Revoked.IsZero() {
			return nil
		}
		d.Revoked = at.UTC()
		return putDevice(p, d)
	})
}
