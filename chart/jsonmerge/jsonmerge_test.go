package jsonmerge_test

import (
	"errors"
	"slices"
	"testing"

	"chartkeeper/chart/jsonmerge"
)

func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		name, base, a, b string
		want             string
		collide          []string
	}{
		{"disjoint fields", `{"x":1,"y":"a"}`, `{"x":2,"y":"a"}`, `{"x":1,"y":"b"}`, `{"x":2,"y":"b"}`, nil},
		{"same change both sides", `{"x":1}`, `{"x":2}`, `{"x":2}`, `{"x":2}`, nil},
		{"collision", `{"x":1,"y":1}`, `{"x":2,"y":1}`, `{"x":3,"y":2}`, "", []string{"x"}},
		{"nested objects merge", `{"address":{"city":"A","line":"1 Road"}}`, `{"address":{"city":"B","line":"1 Road"}}`, `{"address":{"city":"A","line":"2 Lane"}}`,
			`{"address":{"city":"B","line":"2 Lane"}}`, nil},
		{"nested collision names the path", `{"address":{"city":"A"}}`, `{"address":{"city":"B"}}`, `{"address":{"city":"C"}}`, "", []string{"address.city"}},
		{"arrays are whole values", `{"d":[1,2]}`, `{"d":[1,2,3]}`, `{"d":[2]}`, "", []string{"d"}},
		{"array on one side only", `{"d":[1],"n":"x"}`, `{"d":[1,2],"n":"x"}`, `{"d":[1],"n":"y"}`, `{"d":[1,2],"n":"y"}`, nil},
		{"added key", `{"x":1}`, `{"x":1,"note":"hi"}`, `{"x":5}`, `{"note":"hi","x":5}`, nil},
		{"removed key", `{"x":1,"note":"hi"}`, `{"x":1}`, `{"x":5,"note":"hi"}`, `{"x":5}`, nil},
		{"removed versus changed", `{"note":"hi"}`, `{}`, `{"note":"bye"}`, "", []string{"note"}},
		{"both added differently", `{}`, `{"a":{"p":1}}`, `{"a":{"q":2}}`, `{"a":{"p":1,"q":2}}`, nil},
		{"no base: agreeing and one-sided keys", ``, `{"x":1,"y":2}`, `{"x":1,"z":3}`, `{"x":1,"y":2,"z":3}`, nil},
		{"no base: disagreeing", ``, `{"x":1}`, `{"x":2}`, "", []string{"x"}},
		{"numbers as written", `{"n":1}`, `{"n":1.0}`, `{"n":1}`, `{"n":1.0}`, nil},
		{"html stays readable", `{"t":"a"}`, `{"t":"<b> & c"}`, `{"t":"a"}`, `{"t":"<b> & c"}`, nil},
		{"object versus scalar", `{"a":{"p":1}}`, `{"a":{"p":2}}`, `{"a":"gone"}`, "", []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var base []byte
			if tc.base != "" {
				base = []byte(tc.base)
			}
			for _, order := range [][2]string{{tc.a, tc.b}, {tc.b, tc.a}} {
				got, err := jsonmerge.Merge(base, []byte(order[0]), []byte(order[1]))
				if tc.collide != nil {
					var ce *jsonmerge.CollisionError
					if !errors.As(err, &ce) || !slices.Equal(ce.Paths, tc.collide) {
						t.Fatalf("got %s, %v; want a collision on %v", got, err, tc.collide)
					}
					continue
				}
				if err != nil || string(got) != tc.want {
					t.Fatalf("got %s, %v; want %s", got, err, tc.want)
				}
			}
		})
	}
	if _, err := jsonmerge.Merge([]byte(`{}`), []byte(`{"x":`), []byte(`{}`)); err == nil {
		t.Fatal("a broken document merged")
	}
	if _, err := jsonmerge.Merge([]byte(`{}`), []byte(`{} {}`), []byte(`{}`)); err == nil {
		t.Fatal("two documents merged as one")
	}
}

// FuzzMerge checks the properties the store relies on: merging with an
// unchanged side gives the other side; the outcome does not depend on which
// side comes first; merging the result again changes nothing; and a clean
// merge keeps each side's changes.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"x":1,"y":"a"}`), []byte(`{"x":2,"y":"a"}`), []byte(`{"x":1,"y":"b"}`))
	f.Add([]byte(`{"a":{"b":[1,2]},"c":null}`), []byte(`{"a":{"b":[1]},"c":null}`), []byte(`{"a":{"b":[1,2],"d":true}}`))
	f.Add([]byte(`{"n":1}`), []byte(`{"n":1.0}`), []byte(`{}`))
	f.Add([]byte(`[1,2]`), []byte(`"x"`), []byte(`[1,2]`))
	f.Add([]byte(`{"p":{"q":{"r":"s"}}}`), []byte(`{"p":{"q":{"r":"t"}}}`), []byte(`{"p":{"q":{"r":"s","u":1}}}`))
	f.Fuzz(func(t *testing.T, base, a, b []byte) {
		pb, errB := jsonmerge.Parse(base)
		pa, errA := jsonmerge.Parse(a)
		pv, errV := jsonmerge.Parse(b)
		if errB != nil || errA != nil || errV != nil {
			if _, err := jsonmerge.Merge(base, a, b); err == nil {
				t.Fatalf("merged a document that does not parse")
			}
			return
		}
		canon := func(v any) string {
			out, err := jsonmerge.Encode(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		// merge(a, a, b) == b and merge(b, a, b) == a
		if got, err := jsonmerge.Merge(a, a, b); err != nil || string(got) != canon(pv) {
			t.Fatalf("merge(a, a, b) = %s, %v; want b = %s", got, err, canon(pv))
		}
		if got, err := jsonmerge.Merge(b, a, b); err != nil || string(got) != canon(pa) {
			t.Fatalf("merge(b, a, b) = %s, %v; want a = %s", got, err, canon(pa))
		}
		// symmetric in outcome
		ab, errAB := jsonmerge.Merge(base, a, b)
		ba, errBA := jsonmerge.Merge(base, b, a)
		if (errAB == nil) != (errBA == nil) || string(ab) != string(ba) {
			t.Fatalf("merge(base, a, b) = %s, %v but merge(base, b, a) = %s, %v", ab, errAB, ba, errBA)
		}
		if errAB != nil {
			var ce *jsonmerge.CollisionError
			if !errors.As(errAB, &ce) || len(ce.Paths) == 0 {
				t.Fatalf("a failed merge of documents that parse: %v", errAB)
			}
			return
		}
		// idempotent: merging the result in again changes nothing
		for _, side := range [][]byte{a, b, ab} {
			again, err := jsonmerge.Merge(base, side, ab)
			if err != nil || string(again) != string(ab) {
				t.Fatalf("merge(base, side, m) = %s, %v; want m = %s", again, err, ab)
			}
		}
		// each side's changes are kept: if a changed the document, the
		// result is not the base unless b undid it the same way
		if !jsonmerge.Equal(pb, pa) && jsonmerge.Equal(pb, pv) && string(ab) != canon(pa) {
			t.Fatalf("b left the base as it was, yet the merge %s is not a %s", ab, canon(pa))
		}
	})
}
