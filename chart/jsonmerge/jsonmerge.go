// Package jsonmerge merges two concurrent edits of a JSON document against
// the version both started from (a three-way merge), field by field.
//
// Objects merge key by key, nested objects recursively. Everything else —
// strings, numbers, booleans, null and arrays — is one value: a side that
// left it as it was in the base takes the other side's value; both sides
// changing it to the same value is no collision; both changing it to
// different values is. A key one side removed counts as changed. Arrays are
// whole values because the arrays of a chart (diagnoses, identifiers) are
// small sets with rules across their elements (one primary diagnosis, no
// system twice), which an element-wise merge could break without either
// edit breaking it.
//
// The result is canonical: keys sorted, no spaces, numbers as written, so
// the same three inputs give the same bytes on every machine, whichever
// side is given first.
package jsonmerge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// CollisionError lists the fields both sides changed differently, as
// paths of object keys joined with "." ("address.city"); "" is the whole
// document.
type CollisionError struct{ Paths []string }

func (e *CollisionError) Error() string {
	return "both edits changed " + strings.Join(quoted(e.Paths), ", ")
}

func quoted(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		if p == "" {
			p = "the whole record"
		}
		out[i] = fmt.Sprintf("%q", p)
	}
	return out
}

// missing stands for a key that is absent.
type missingT struct{}

var missing any = missingT{}

// Merge merges a and b, each an edit of base. base may be nil (no common
// version): then only what a and b agree on, or what one of them alone
// has, merges. It returns the merged document in canonical form, or a
// *CollisionError, or an error when an input is not JSON.
func Merge(base, a, b []byte) ([]byte, error) {
	vb := missing
	if base != nil {
		v, err := Parse(base)
		if err != nil {
			return nil, fmt.Errorf("base: %w", err)
		}
		vb = v
	}
	va, err := Parse(a)
	if err != nil {
		return nil, err
	}
	vv, err := Parse(b)
	if err != nil {
		return nil, err
	}
	var coll []string
	out := merge("", vb, va, vv, &coll)
	if len(coll) > 0 {
		slices.Sort(coll)
		return nil, &CollisionError{Paths: coll}
	}
	return Encode(out)
}

func merge(path string, base, a, b any, coll *[]string) any {
	switch {
	case Equal(a, b):
		return a
	case Equal(base, a):
		return b
	case Equal(base, b):
		return a
	}
	oa, aok := a.(map[string]any)
	ob, bok := b.(map[string]any)
	if aok && bok {
		obase, ok := base.(map[string]any)
		if !ok {
			obase = map[string]any{} // both made an object where there was none
		}
		out := map[string]any{}
		for _, k := range keys(obase, oa, ob) {
			v := merge(join(path, k), get(obase, k), get(oa, k), get(ob, k), coll)
			if v != missing {
				out[k] = v
			}
		}
		return out
	}
	*coll = append(*coll, path)
	return a
}

func get(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	return missing
}

func keys(ms ...map[string]any) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// Parse decodes one JSON document, keeping numbers as written.
func Parse(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not a JSON document: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("not a JSON document: more after its end")
	}
	return v, nil
}

// Encode writes a parsed document in canonical form (keys sorted, compact,
// no HTML escaping).
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Equal reports whether two parsed values are the same JSON value.
// Numbers compare as written ("1.0" is not "1").
func Equal(a, b any) bool { return reflect.DeepEqual(a, b) }
