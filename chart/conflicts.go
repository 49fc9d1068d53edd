package chart

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"chartkeeper/chart/jsonmerge"
	"chartkeeper/store"
)

// Conflicts: the chart's side of concurrent edits (see docs/CHART.md and
// store's merge.go). Every chart record is a JSON document, merged field by
// field against the version both edits started from (package jsonmerge).
// What merges the store shows merged on every workstation that holds the
// same versions, and the next edit writes it; what collides stays as two
// or more versions, the store shows the same one everywhere, and the
// record waits on the review queue ([Service.ConflictQueue]) until someone
// who may change it picks, field by field, what to keep
// ([Service.ResolveConflict]).
//
// Signed visit notes: a merge never changes a signed note. If one version
// is signed, the merge may differ from it only in the codes (which stay
// assignable after signing); a concurrent change to the note itself is a
// collision, and the signed version ranks first, so every workstation keeps
// showing the note as it was signed. Resolving keeps the signed note; an
// edit that came too late is read on the review screen and, when needed,
// added as an amendment.

// MergeRules are the merge rules of every chart record type. Every program
// that opens a practice's stores gives them to the store
// ([store.WithMergeRules]; [OpenStore] and [CreateStore] do), so that every
// workstation shows the same winner; [Open] refuses a store without them.
// Code tables do not merge: the later version wins.
func MergeRules() store.MergeRules {
	rules := store.MergeRules{TypeCodeTable: {}}
	for _, typ := range []string{TypePatient, TypeProblem, TypeAllergy, TypeMedication, TypeAmendment,
		TypeVitals, TypeImmunization, TypeDocument, TypeAmendReq, TypeDisclosure, TypeBreakGlass, TypeRejected,
		TypeProcedure, TypeResult, TypeReport, TypeNoKnownAllergies} {
		rules[typ] = store.MergeRule{Merge: mergeBodies}
	}
	rules[TypeNotDuplicate] = store.MergeRule{Merge: mergeNotDuplicate}
	rules[TypeVisit] = store.MergeRule{Merge: mergeVisits, Rank: func(body []byte) int {
		if visitSigned(body) {
			return 1
		}
		return 0
	}}
	return rules
}

// StoreOptions are opts with the chart's merge rules and type rules before
// them: the options to open, create or join a practice's store with.
func StoreOptions(opts ...store.Option) []store.Option {
	return append([]store.Option{store.WithMergeRules(MergeRules()), store.WithTypeRules(TypeRules())}, opts...)
}

// TypeRules put each chart record type in its key compartment (see
// docs/SECURITY.md): the clinical chart, visits with their codes,
// amendments, amendment requests and disclosures are sealed under the
// clinical key, which only clinicians, coders and HIM managers hold;
// patients' demographics, document metadata (their content is a blob),
// code tables and the inbox's records under the general key, every role's.
// Among the roles holding the clinical key, coders write only visits (their
// codes). Break-glass grants carry the administration key's signature, so a
// grant nobody with that key wrote is refused everywhere.
func TypeRules() store.TypeRules {
	clinicalWriters := []store.Role{store.RoleClinician, store.RoleHIM}
	rules := store.TypeRules{
		TypeVisit:      {Compartment: store.CompartmentClinical, Writers: []store.Role{store.RoleClinician, store.RoleCoder, store.RoleHIM}},
		TypeBreakGlass: {Signed: store.SignedByAdmin},
	}
	for _, typ := range []string{TypeProblem, TypeAllergy, TypeMedication, TypeVitals, TypeImmunization,
		TypeAmendment, TypeAmendReq, TypeDisclosure} {
		rules[typ] = store.TypeRule{Compartment: store.CompartmentClinical, Writers: clinicalWriters}
	}
	return rules
}

// OpenStore is [store.Open] with the chart's merge rules.
func OpenStore(dir string, opts ...store.Option) (*store.Store, error) {
	return store.Open(dir, StoreOptions(opts...)...)
}

// CreateStore is [store.Create] with the chart's merge rules.
func CreateStore(dir string, np store.NewPractice, opts ...store.Option) (*store.Store, string, error) {
	return store.Create(dir, np, StoreOptions(opts...)...)
}

// checkMergeRules fails unless st was opened with a merge rule for every
// chart record type.
func checkMergeRules(st *store.Store) error {
	for typ := range MergeRules() {
		if !st.HasMergeRule(typ) {
			return fmt.Errorf("chart: the store was opened without the chart's merge rules (no rule for %q): open it with chart.OpenStore or chart.StoreOptions", typ)
		}
	}
	return nil
}

// mergeBodies is the three-way JSON merge, with collisions reported as
// store.ErrCollision.
func mergeBodies(base, a, b []byte) ([]byte, error) {
	out, err := jsonmerge.Merge(base, a, b)
	var ce *jsonmerge.CollisionError
	if errors.As(err, &ce) {
		return nil, fmt.Errorf("%w: %v", store.ErrCollision, ce)
	}
	return out, err
}

// codeFields are the fields of a visit that may change after signing.
var codeFields = []string{"diagnoses", "procedures"}

// mergeVisits merges visits, refusing any merge that would change the note
// of a signed version.
func mergeVisits(base, a, b []byte) ([]byte, error) {
	out, err := mergeBodies(base, a, b)
	if err != nil {
		return nil, err
	}
	for _, side := range [][]byte{a, b} {
		if visitSigned(side) && !sameNote(side, out) {
			return nil, fmt.Errorf("%w: the note was signed on one workstation and changed on another", store.ErrCollision)
		}
	}
	return out, nil
}

func visitSigned(body []byte) bool {
	var v struct {
		Signed bool `json:"signed"`
	}
	return json.Unmarshal(body, &v) == nil && v.Signed
}

// sameNote reports whether two visit bodies agree on everything but codes.
func sameNote(a, b []byte) bool {
	va, err1 := jsonmerge.Parse(a)
	vb, err2 := jsonmerge.Parse(b)
	ma, ok1 := va.(map[string]any)
	mb, ok2 := vb.(map[string]any)
	if err1 != nil || err2 != nil || !ok1 || !ok2 {
		return false
	}
	for _, k := range codeFields {
		delete(ma, k)
		delete(mb, k)
	}
	return jsonmerge.Equal(ma, mb)
}

// conflictTypes names the chart's record types as the review queue shows
// them, with the action that changing them needs.
var conflictTypes = map[string]struct {
	what   string
	action Action
}{
	TypePatient:      {"patient demographics", WriteDemographics},
	TypeProblem:      {"problem", WriteClinical},
	TypeAllergy:      {"allergy", WriteClinical},
	TypeMedication:   {"medication", WriteClinical},
	TypeVisit:        {"visit note", WriteClinical},
	TypeAmendment:    {"amendment", SignVisit},
	TypeVitals:       {"vital signs", WriteClinical},
	TypeImmunization: {"immunization", WriteClinical},
	TypeDocument:     {"document", FileDocuments},
	TypeAmendReq:     {"amendment request", Administer},
	TypeDisclosure:   {"disclosure", Administer},
	TypeBreakGlass:   {"break-glass access", Administer},
	TypeRejected:     {"rejected document", FileDocuments},
	TypeNotDuplicate: {"not the same person", Administer},
	TypeProcedure:    {"procedure", WriteClinical},
	TypeResult:       {"result", WriteClinical},
	TypeReport:       {"note or report", WriteClinical},

	TypeNoKnownAllergies: {"\"No known allergies\"", WriteClinical},
}

// mayResolve reports whether role may resolve conflicts of records of typ:
// those who may change such records, and HIM managers, whose work is the
// integrity of the record (they choose between versions others wrote; they
// cannot type new values). Deleting stays with HIM managers.
func mayResolve(role store.Role, typ string) bool {
	ct, ok := conflictTypes[typ]
	return ok && (Allowed(role, ct.action) || Allowed(role, Administer))
}

// ConflictItem is one record on the review queue.
type ConflictItem struct {
	ID       string
	Type     string
	What     string         // e.g. "allergy", "patient demographics"
	Patient  PatientSummary // the patient whose chart it is (ID empty for none)
	Count    int            // versions side by side
	Deletion bool           // one version deletes the record
	Signed   bool           // a visit note that one version signed
	Latest   time.Time      // when the newest version was written
}

// ConflictVersion is one of the versions side by side.
type ConflictVersion struct {
	Rev     string
	Author  string // the user's name
	Device  string
	At      time.Time
	Deleted bool
	Reason  string // a deletion's reason
	Shown   bool   // the version every workstation shows now
	Signed  bool   // a signed visit note
}

// ConflictField is one field of the record in each version.
type ConflictField struct {
	Key    string   // the field's name in the record
	Label  string   // the field as people call it
	Base   string   // its value before the concurrent edits
	Values []string // its value in each version (Conflict.Versions order)
	// Differs is set when the live versions do not agree on it; only
	// those fields are chosen.
	Differs bool
	// Choice is the version whose value is kept unless told otherwise:
	// the one that changed it when only one did, else the shown version.
	Choice int
	// Locked is set for the note of a signed visit: the signed version's
	// value is kept, whatever is chosen.
	Locked bool
}

// Conflict is a record on the review queue, opened.
type Conflict struct {
	ConflictItem
	Versions []ConflictVersion // the shown version first
	Fields   []ConflictField   // every field of the live versions, in name order
	// CanDelete is set when one version is a deletion and the signed-in
	// user may keep it (HIM managers).
	CanDelete bool
}

// ConflictQueue lists the records whose concurrent versions could not be
// merged (or where a deletion met a change), that the signed-in user may
// resolve, oldest first. It names the patient and the kind of record only;
// opening one ([Service.Conflict]) is audited.
func (s *Service) ConflictQueue() ([]ConflictItem, error) {
	u, err := s.user()
	if err != nil {
		return nil, err
	}
	var out []ConflictItem
	err = s.st.View(func(tx *store.Tx) error {
		return tx.MultiHeaded(func(id string) error {
			hs, err := tx.Heads(id)
			if errors.Is(err, store.ErrNoKey) {
				return nil // sealed under a key this user does not hold
			}
			if err != nil {
				return err
			}
			if !mayResolve(u.Role, hs[0].Type) {
				return nil
			}
			if it, ok := conflictItem(hs); ok {
				out = append(out, it)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	err = s.finder.read(func() {
		for i := range out {
			out[i].Patient = s.finder.people[patientOf(out[i].ID)]
		}
	})
	if err != nil {
		return nil, err
	}
	sortBy(out, func(it ConflictItem) string { return it.Latest.UTC().Format(time.RFC3339Nano) })
	return out, nil
}

// conflictItem describes the heads of a record, and reports whether they
// need review: live versions that differ, or a deletion beside a change.
func conflictItem(hs []store.Record) (ConflictItem, bool) {
	w := hs[0]
	it := ConflictItem{ID: w.ID, Type: w.Type, What: conflictTypes[w.Type].what, Count: len(hs)}
	if it.What == "" {
		it.What = w.Type
	}
	review := len(w.Conflicts) > 0
	for _, h := range hs {
		if h.Deleted {
			it.Deletion = true
			review = review || !w.Deleted
		} else if h.Type == TypeVisit && visitSigned(h.Body) {
			it.Signed = true
		}
		it.Latest = later(it.Latest, h.HLC.Time())
	}
	return it, review
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Conflict opens one record of the review queue: its versions side by side
// and the fields that differ. It is audited as a view of the chart.
func (s *Service) Conflict(id string) (Conflict, error) {
	u, err := s.user()
	if err != nil {
		return Conflict{}, err
	}
	names := s.userNames()
	var c Conflict
	err = s.st.Update(func(tx *store.Tx) error {
		hs, err := tx.Heads(id)
		if err != nil {
			return err
		}
		if !mayResolve(u.Role, hs[0].Type) {
			return s.permissionFor(u, hs[0].Type)
		}
		it, ok := conflictItem(hs)
		if !ok {
			return fmt.Errorf("%w: this record has no versions to review (it was resolved already)", store.ErrConflict)
		}
		if c, err = describe(tx, it, hs, names); err != nil {
			return err
		}
		c.CanDelete = it.Deletion && Allowed(u.Role, Administer)
		return audit(tx, "conflict.view", patientOf(id), id, false)
	})
	if err != nil {
		return Conflict{}, err
	}
	c.Patient, _ = s.Summary(patientOf(id))
	return c, nil
}

func (s *Service) permissionFor(u store.User, typ string) error {
	a := Administer
	if ct, ok := conflictTypes[typ]; ok {
		a = ct.action
	}
	return &PermissionError{Role: u.Role, Action: a}
}

// userNames maps user IDs to names, for the authors of versions.
func (s *Service) userNames() map[string]string {
	names := map[string]string{}
	if us, err := s.st.Users(); err == nil {
		for _, u := range us {
			names[u.ID] = u.Name
		}
	}
	return names
}

// describe lays the heads out field by field.
func describe(tx *store.Tx, it ConflictItem, hs []store.Record, names map[string]string) (Conflict, error) {
	c := Conflict{ConflictItem: it}
	docs := make([]map[string]any, len(hs))
	for i, h := range hs {
		v := ConflictVersion{Rev: h.Rev, Author: names[h.Author], Device: h.Device, At: h.HLC.Time(), Deleted: h.Deleted, Reason: h.Reason, Shown: i == 0}
		if v.Author == "" {
			v.Author = "a user unknown here"
		}
		if !h.Deleted {
			d, err := bodyMap(h)
			if err != nil {
				return c, err
			}
			docs[i] = d
			v.Signed = h.Type == TypeVisit && visitSigned(h.Body)
		}
		c.Versions = append(c.Versions, v)
	}
	base, err := commonBase(tx, hs)
	if err != nil {
		return c, err
	}
	var keys []string
	for _, d := range docs {
		keys = append(keys, slices.Collect(maps.Keys(d))...)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		f := ConflictField{Key: k, Label: fieldLabel(k), Base: showValue(fieldOf(base, k))}
		var distinct []any
		for _, d := range docs {
			if d == nil {
				f.Values = append(f.Values, "")
				continue
			}
			v := fieldOf(d, k)
			f.Values = append(f.Values, showValue(v))
			if !slices.ContainsFunc(distinct, func(x any) bool { return jsonmerge.Equal(x, v) }) {
				distinct = append(distinct, v)
			}
		}
		if len(distinct) < 2 {
			c.Fields = append(c.Fields, f)
			continue
		}
		f.Differs = true
		f.Choice = suggest(base, docs, k)
		if it.Signed && !slices.Contains(codeFields, k) {
			f.Locked, f.Choice = true, 0
		}
		c.Fields = append(c.Fields, f)
	}
	return c, nil
}

// suggest picks the version whose value of k a resolution keeps by
// default: the only one that changed it from the base, else the shown one.
func suggest(base map[string]any, docs []map[string]any, k string) int {
	changed := -1
	var changedTo any
	for i, d := range docs {
		if d == nil {
			continue
		}
		v := fieldOf(d, k)
		if base != nil && jsonmerge.Equal(v, fieldOf(base, k)) {
			continue
		}
		if changed >= 0 && !jsonmerge.Equal(v, changedTo) {
			return 0
		}
		if changed < 0 {
			changed, changedTo = i, v
		}
	}
	return max(changed, 0)
}

// commonBase is the version the heads started from: the merge base of the
// first two live ones, folded over the rest (nil when there is none).
func commonBase(tx *store.Tx, hs []store.Record) (map[string]any, error) {
	var base *store.Record
	live := 0
	for _, h := range hs {
		switch {
		case h.Deleted:
			continue
		case base == nil:
			b := h
			base = &b
		default:
			r, ok, err := tx.MergeBase(h.ID, base.Rev, h.Rev)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, nil
			}
			base = &r
		}
		live++
	}
	if live < 2 || base.Deleted {
		return nil, nil
	}
	return bodyMap(*base)
}

func bodyMap(r store.Record) (map[string]any, error) {
	v, err := jsonmerge.Parse(r.Body)
	m, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: %s %s is not a chart record", store.ErrTampered, r.Type, r.ID)
	}
	return m, nil
}

// missingValue marks a field a version does not have.
type missingValue struct{}

func fieldOf(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	return missingValue{}
}

// showValue writes a field's value for people: text as it is, nested
// fields as "name: value" pairs, lists one item after another.
func showValue(v any) string {
	switch x := v.(type) {
	case missingValue, nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, showValue(e))
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if s := showValue(x[k]); s != "" {
				parts = append(parts, fieldLabel(k)+": "+s)
			}
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

var fieldLabels = map[string]string{
	"mrn": "MRN", "dob": "birth date", "family": "family name", "given": "given name",
	"preferred": "preferred name", "spo2": "SpO2", "tempC": "temperature (°C)",
	"weightKg": "weight (kg)", "heightCm": "height (cm)", "clinicianId": "clinician's user ID",
	"signedById": "signer's user ID", "emergency": "emergency contact",
}

// fieldLabel turns a field name ("clinicalDate") into words ("clinical date").
func fieldLabel(k string) string {
	if l, ok := fieldLabels[k]; ok {
		return l
	}
	var b strings.Builder
	for i, r := range k {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Resolution is what the person reviewing a conflict decided.
type Resolution struct {
	// Versions are the revisions as the review screen showed them
	// (Conflict.Versions); if the record changed since, nothing is
	// written and the screen must be opened again.
	Versions []string
	// Choose maps a field (ConflictField.Key) to the revision whose value
	// to keep; fields not named keep their ConflictField.Choice.
	Choose map[string]string
	// Delete keeps the deletion instead (HIM managers), with a reason.
	Delete bool
	Reason string
}

// ResolveConflict ends a conflict: one revision whose parents are all the
// versions, with each field's value taken from the version chosen for it,
// checked like any edit of the record and audited. It reaches the other
// workstations with the next sync and leaves the queue everywhere.
func (s *Service) ResolveConflict(id string, res Resolution) error {
	u, err := s.user()
	if err != nil {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error {
		hs, err := tx.Heads(id)
		if err != nil {
			return err
		}
		typ := hs[0].Type
		if !mayResolve(u.Role, typ) {
			return s.permissionFor(u, typ)
		}
		revs := make([]string, len(hs))
		for i, h := range hs {
			revs[i] = h.Rev
		}
		if !sameSet(revs, res.Versions) {
			return fmt.Errorf("%w: the record changed on this or another workstation while you reviewed it; open it again", store.ErrConflict)
		}
		pid := patientOf(id)
		if res.Delete {
			if !Allowed(u.Role, Administer) {
				return &PermissionError{Role: u.Role, Action: Administer}
			}
			reason := strings.TrimSpace(res.Reason)
			if reason == "" {
				return &ValidationError{What: "resolution", Fields: []FieldError{{Field: T("reason"), Message: T("is required to keep a deletion")}}}
			}
			if err := reasonError("resolution", reason); err != nil {
				return err
			}
			if _, err := tx.ResolveDelete(id, revs, reason); err != nil {
				return err
			}
			return audit(tx, "conflict.resolve", pid, fmt.Sprintf(detailDeletionKept, id, len(hs)), false)
		}
		it, _ := conflictItem(hs)
		c, err := describe(tx, it, hs, nil)
		if err != nil {
			return err
		}
		doc, err := s.compose(hs, c, res.Choose)
		if err != nil {
			return err
		}
		body, err := jsonmerge.Encode(doc)
		if err != nil {
			return err
		}
		if err := s.checkBody(typ, body); err != nil {
			return err
		}
		if _, err := tx.Resolve(id, revs, body); err != nil {
			return err
		}
		chosen := 0
		for _, f := range c.Fields {
			if f.Differs {
				chosen++
			}
		}
		return audit(tx, "conflict.resolve", pid, fmt.Sprintf(detailFieldsChosen, id, len(hs), chosen), false)
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// compose builds the resolved document: the shown live version, with each
// differing field taken from the version chosen for it.
func (s *Service) compose(hs []store.Record, c Conflict, choose map[string]string) (map[string]any, error) {
	docs := make([]map[string]any, len(hs))
	first := -1
	for i, h := range hs {
		if h.Deleted {
			continue
		}
		d, err := bodyMap(h)
		if err != nil {
			return nil, err
		}
		docs[i] = d
		if first < 0 {
			first = i
		}
	}
	if first < 0 {
		return nil, fmt.Errorf("%w: every version deletes the record", store.ErrInvalid)
	}
	out := maps.Clone(docs[first])
	var pr problems
	for _, f := range c.Fields {
		if !f.Differs {
			continue
		}
		pick := f.Choice
		if rev, ok := choose[f.Key]; ok && !f.Locked {
			pick = slices.IndexFunc(hs, func(h store.Record) bool { return h.Rev == rev })
			if pick < 0 || docs[pick] == nil {
				pr.add(f.Label, "the chosen version has no value to keep")
				continue
			}
		}
		if docs[pick] == nil {
			pick = first
		}
		if v, ok := docs[pick][f.Key]; ok {
			out[f.Key] = v
		} else {
			delete(out, f.Key)
		}
	}
	return out, pr.err("resolution")
}

// checkBody validates a resolved record like an edit of its kind.
func (s *Service) checkBody(typ string, body []byte) error {
	var pr problems
	var it Item
	switch typ {
	case TypePatient:
		var p Patient
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		return s.validate(&p)
	case TypeVisit:
		var v Visit
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		return s.checkVisit(&v)
	case TypeProblem:
		it = &Problem{}
	case TypeAllergy:
		it = &Allergy{}
	case TypeMedication:
		it = &Medication{}
	case TypeVitals:
		it = &Vitals{}
	case TypeImmunization:
		it = &Immunization{}
	case TypeNoKnownAllergies:
		it = &NoKnownAllergies{}
	default:
		return nil
	}
	if err := json.Unmarshal(body, it); err != nil {
		return err
	}
	it.check(s, &pr)
	return pr.err(strings.ReplaceAll(it.kind(), "vitals", "vital signs"))
}
