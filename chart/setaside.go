package chart

import (
	"time"
	"unicode"
	"unicode/utf8"

	"chartkeeper/store"
)

// Items set aside by sync: what came from the sync server and failed its
// checks (sealed by someone without the practice's key, damaged or
// changed on the server). They were not applied, and sync went on past
// them (docs/SYNC.md, "Items that fail their checks"). HIM managers see
// them, with the device that sent them, to ask the server's operator to
// remove them and to revoke a device whose credential was stolen.

// SetAsideItem is one item set aside, as an HIM manager sees it.
type SetAsideItem struct {
	// Kind says what it was, in plain English words: "record change",
	// "audit log entry", "document part", "document header" (keys the
	// workstation translates; an unknown kind is the store's code).
	Kind string
	// Device is the ID of the device the server said sent it; Workstation
	// its name when known (else a short form of the ID).
	Device, Workstation string
	At                  time.Time // when this workstation set it aside
	Reason              string    // why, a plain sentence
	// ReasonKey is the reason as the store keeps it, in English ("it was
	// not sealed by this practice"); the known ones (setAsideReasons) are
	// keys the workstation translates.
	ReasonKey string
	Size      int    // its bytes as received
	Seq       uint64 // the server's sequence, audit entry or part number
}

// setAsideKinds are the kinds of items set aside, as the store keeps them
// (a code that never changes), in plain words; the workstation shows the
// words in its language (T marks them).
var setAsideKinds = map[string]string{
	store.SetAsideRevision: T("record change"),
	store.SetAsideAudit:    T("audit log entry"),
	store.SetAsideChunk:    T("document part"),
	store.SetAsideHeader:   T("document header"),
}

// setAsideReasons are the reasons store and syncclient give for setting an
// item aside, as stored (store.SetAside.Reason): English sentences about
// "it", the item. They are marked so the workstation shows them in its
// language; a reason not listed shows in English. TestSetAsideReasonsMarked
// finds the reasons in those packages' sources.
var setAsideReasons = []string{
	T("its record or revision ID is malformed"),
	T("it continues a revision that was set aside"),
	T("it changes the record's type"),
	T("it is not a well-formed revision"),
	T("it was not sealed by this practice for this record and revision"),
	T("it does not match its revision ID"),
	T("it came with other parents than its own"),
	T("it has a malformed record type"),
	T("it has content that does not open"),
	T("it does not continue its workstation's audit log"),
	T("it is too large"),
	T("it was not sealed by this practice"),
	T("it is not a well-formed audit entry"),
	T("its header was not sealed by this practice for this document, or does not agree with itself"),
	T("it was not sealed by this practice for this document and place, or has the wrong length"),
	T("the document's content does not match its header"),
}

// SetAsideItems lists the items this workstation set aside, newest first
// (HIM managers).
func (s *Service) SetAsideItems() ([]SetAsideItem, error) {
	if _, err := s.require(Administer); err != nil {
		return nil, err
	}
	var out []SetAsideItem
	err := s.st.View(func(tx *store.Tx) error {
		items, err := tx.SetAsideItems()
		if err != nil {
			return err
		}
		for _, it := range items {
			name := tx.WorkstationName(it.Device)
			if name == "" && len(it.Device) > 8 {
				name = it.Device[:8]
			}
			kind := setAsideKinds[it.Kind]
			if kind == "" {
				kind = it.Kind
			}
			reason := it.Reason
			if reason != "" {
				reason = upperFirst(reason) + "."
			}
			out = append(out, SetAsideItem{Kind: kind, Device: it.Device, Workstation: name, At: it.At, Reason: reason, ReasonKey: it.Reason, Size: len(it.Bytes), Seq: it.Seq})
		}
		return nil
	})
	return out, err
}

// upperFirst capitalises the first letter of a reason (they are written
// to follow "it": "it was not sealed ..." becomes "It was not sealed ...").
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
