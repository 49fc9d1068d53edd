package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"chartkeeper/chart"
)

// MaxBundleSize is the largest bundle [Parse] reads: a practice of some
// thousand charts with their scanned documents.
const MaxBundleSize = 1 << 30

// Skip is one resource (or part of one) the import left out, and why.
type Skip struct {
	Resource string // "entry 12 (Procedure)"
	Reason   string // in plain words
}

func (s Skip) String() string { return s.Resource + ": " + s.Reason }

// Parsed is a bundle read and mapped to charts, not yet stored.
type Parsed struct {
	Charts  []chart.ImportedChart
	Skipped []Skip
}

// ParseError lists everything wrong with a bundle that was refused.
// Nothing of it was stored.
type ParseError struct {
	Problems []string
}

func (e *ParseError) Error() string {
	const most = 20
	ps := e.Problems
	more := ""
	if len(ps) > most {
		more = fmt.Sprintf("; and %d more problems", len(ps)-most)
		ps = ps[:most]
	}
	return "the FHIR bundle was not imported: " + strings.Join(ps, "; ") + more
}

// Parse reads a FHIR R4 Bundle (JSON) of type transaction, batch,
// collection or searchset, at most limit bytes (MaxBundleSize when limit
// is 0), and maps its resources to one chart per Patient. Resources it
// does not keep are listed in Skipped with the reason; malformed input
// (not JSON, not a Bundle, a resource without what it requires, a date or
// code that cannot be read, a reference to nothing in the bundle) is a
// [*ParseError] naming each problem.
func Parse(r io.Reader, limit int64) (*Parsed, error) {
	if limit <= 0 {
		limit = MaxBundleSize
	}
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the bundle: %w", err)
	}
	if int64(len(raw)) > limit {
		return nil, &ParseError{[]string{fmt.Sprintf("the file is larger than %s; split the export into smaller bundles", sizeText(limit))}}
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	var b Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, &ParseError{[]string{jsonProblem(raw, err)}}
	}
	switch {
	case b.ResourceType == "":
		return nil, &ParseError{[]string{"the file is JSON but not a FHIR resource (it has no resourceType)"}}
	case b.ResourceType != "Bundle":
		return nil, &ParseError{[]string{fmt.Sprintf("the file holds a FHIR %s, not a Bundle", safeText(b.ResourceType))}}
	}
	switch b.Type {
	case "transaction", "batch", "collection", "searchset":
	case "":
		return nil, &ParseError{[]string{"the bundle has no type (transaction or collection)"}}
	default:
		return nil, &ParseError{[]string{fmt.Sprintf("the bundle is of type %s; only transaction, batch, collection and searchset bundles are imported", safeText(b.Type))}}
	}
	p := newParser(b)
	p.index()
	p.patients()
	p.resources()
	p.finish()
	if len(p.problems) > 0 {
		return nil, &ParseError{p.problems}
	}
	return &Parsed{Charts: p.charts, Skipped: p.skipped}, nil
}

// jsonProblem says where a file stops being JSON.
func jsonProblem(raw []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line := 1 + bytes.Count(raw[:min(int(se.Offset), len(raw))], []byte("\n"))
		return fmt.Sprintf("the file is not valid JSON (line %d: %s)", line, se.Error())
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return "the file is JSON but not a FHIR Bundle (it is not a JSON object)"
		}
		return fmt.Sprintf("the bundle's %s holds a %s where FHIR has a %s", field, te.Value, jsonKind(te.Type.Kind().String()))
	}
	if strings.Contains(err.Error(), "invalid number literal") {
		return "a number is written as text, or is not a number"
	}
	return "the file is not valid JSON: " + err.Error()
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "list"
	case "struct", "map":
		return "JSON object"
	case "int", "int64", "float64":
		return "number"
	}
	return k
}

// safeText keeps a value from the file short and printable for a message.
func safeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
