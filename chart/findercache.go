package chart

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"

	"chartkeeper/chart/search"
	"chartkeeper/store"
)

// The finder cache: every patient's list line as of one change-feed
// position, sealed in the store's local cache (store.Tx.PutCache). Signing
// in reads it instead of decrypting and decoding every patient revision,
// then replays the change feed after that position as refresh always does,
// so a stale cache costs time, never correctness; an old cache put back in
// place by someone with the file replays from its own older position. A
// missing, unreadable or unknown-format cache is rebuilt from the records.

const (
	finderCacheName = "chart.finder"
	// finderCacheV2 is the format: magic | seen | count | count × 11
	// strings (ID, MRN, family, given, preferred, DOB, sex, phone, merged
	// into, "1" when deceased, date of death). A CKF1 cache (9 strings,
	// before deaths were kept) is an unknown format: it is rebuilt.
	finderCacheV2 = "CKF2"
)

// finderCacheLag: a background rewrite follows sign-in or a refresh once
// the cache is this many changes behind; Close rewrites it whenever it is
// behind at all.
var finderCacheLag uint64 = 20000

// encodeFinderCache writes the service's patients as of f.seen. The caller
// holds f.mu.
func (f *finder) encodeFinderCache() []byte {
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range f.people {
			if !yield(id) {
				return
			}
		}
	})
	b := make([]byte, 0, 16+len(f.people)*96)
	b = append(b, finderCacheV2...)
	b = binary.AppendUvarint(b, f.seen)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		p := f.people[id]
		deceased := ""
		if p.Deceased {
			deceased = "1"
		}
		for _, f := range [...]string{p.ID, p.MRN, p.Family, p.Given, p.Preferred, p.DOB, string(p.Sex), p.Phone, p.MergedInto, deceased, p.DeceasedDate} {
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
	}
	return b
}

var errFinderCache = errors.New("chart: finder cache in an unknown format")

// decodeFinderCache reads what encodeFinderCache wrote. The strings share
// one copy of the bytes.
func decodeFinderCache(b []byte) (seen uint64, ps []PatientSummary, err error) {
	if len(b) < len(finderCacheV2) || string(b[:len(finderCacheV2)]) != finderCacheV2 {
		return 0, nil, errFinderCache
	}
	all := string(b)
	at := len(finderCacheV2)
	uvarint := func() uint64 {
		v, n := binary.Uvarint(b[at:])
		if n <= 0 {
			err = errFinderCache
			return 0
		}
		at += n
		return v
	}
	str := func() string {
		n := uvarint()
		if err != nil || n > uint64(len(b)-at) {
			err = errFinderCache
			return ""
		}
		s := all[at : at+int(n)]
		at += int(n)
		return s
	}
	seen = uvarint()
	count := uvarint()
	if err != nil || count > uint64(len(b)) {
		return 0, nil, errFinderCache
	}
	ps = make([]PatientSummary, count)
	for i := range ps {
		p := &ps[i]
		p.ID, p.MRN, p.Family, p.Given, p.Preferred, p.DOB = str(), str(), str(), str(), str(), str()
		p.Sex, p.Phone, p.MergedInto = Sex(str()), str(), str()
		p.Deceased, p.DeceasedDate = str() == "1", str()
		if err != nil {
			return 0, nil, err
		}
		if p.ID == "" || strings.ContainsRune(p.ID, 0) {
			return 0, nil, errFinderCache
		}
	}
	if at != len(b) {
		return 0, nil, errFinderCache
	}
	return seen, ps, nil
}

// loadFinderCache fills the finder from the finder cache if there is a
// usable one, returning whether it did. The caller holds f.mu and has made
// the maps empty.
func (f *finder) loadFinderCache() (bool, error) {
	var last uint64
	var b []byte
	err := f.st.View(func(tx *store.Tx) error {
		last = tx.LastChange()
		var err error
		b, err = tx.Cache(finderCacheName)
		if errors.Is(err, store.ErrTampered) {
			b = nil // another key epoch or damage: rebuild
			return nil
		}
		return err
	})
	if err != nil || b == nil {
		return false, err
	}
	seen, ps, err := decodeFinderCache(b)
	if err != nil || seen > last {
		return false, nil
	}
	entries := make([]search.Entry, 0, len(ps))
	for _, p := range ps {
		f.people[p.ID] = p
		f.mrns[p.MRN] = append(f.mrns[p.MRN], p.ID)
		if p.MergedInto != "" {
			f.merged[p.MergedInto] = append(f.merged[p.MergedInto], p.ID)
			continue
		}
		entries = append(entries, p.entry())
	}
	f.idx.Build(entries)
	f.seen, f.cacheSeen, f.cached, f.fromCache = seen, seen, true, true
	f.tried, f.triedAt = true, seen
	return true, nil
}

// saveFinderCache writes the finder cache: with now, before returning,
// whenever it is behind the finder at all; otherwise in the background
// (f.bg) when the last write, or attempt, is more than lag changes behind.
// The caller holds f.mu.
func (f *finder) saveFinderCache(lag uint64, now bool) {
	if f.saving {
		return
	}
	if now && f.cached && f.seen == f.cacheSeen || !now && f.tried && f.seen-f.triedAt <= lag {
		return
	}
	b, at := f.encodeFinderCache(), f.seen
	f.tried, f.triedAt = true, at
	// Best effort: a store locked or closed meanwhile, or a full disk,
	// leaves the old cache, which is replayed from its own position.
	write := func() bool {
		return f.st.Update(func(tx *store.Tx) error { return tx.PutCache(finderCacheName, b) }) == nil
	}
	done := func(ok bool) {
		if ok && (!f.cached || at > f.cacheSeen) {
			f.cacheSeen, f.cached = at, true
		}
	}
	if now {
		done(write())
		return
	}
	f.saving = true
	f.bg.Go(func() {
		ok := write()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.saving = false
		done(ok)
	})
}
