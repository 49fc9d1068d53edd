package chart

import (
	"testing"

	"chartkeeper/store"
)

// TestRecordTypeNames: every record type the conflict queue knows, and
// the store's own, has a name a person reads; an unknown type has none.
func TestRecordTypeNames(t *testing.T) {
	for typ := range conflictTypes {
		if name, ok := RecordTypeName(typ); !ok || name == "" {
			t.Errorf("record type %q has no name", typ)
		}
	}
	for _, typ := range []string{store.TypeUser, store.TypeKeyslot, store.TypePractice, store.TypePracticeKeys, store.TypeAdminKey} {
		if _, ok := RecordTypeName(typ); !ok {
			t.Errorf("store record type %q has no name", typ)
		}
	}
	if name, _ := RecordTypeName(TypeVitals); name != "vital signs" {
		t.Errorf("vitals are named %q", name)
	}
	if _, ok := RecordTypeName("nosuchtype"); ok {
		t.Error("an unknown type has a name")
	}
}
