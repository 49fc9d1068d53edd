package chart

import (
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text typed or imported into a chart never holds control characters:
// an escape sequence in a name would reach every terminal that prints it
// (ckadmin, logs), a bidirectional override would make a name read
// differently from what it is, and a NUL or other C0/C1 control has no
// place in a record. Line breaks and tabs are allowed in multi-line text
// (visit notes, amendments, reasons), never in names and other one-line
// fields.

// Messages for a field that holds such characters.
var (
	controlMsgLine = T("contains control characters (such as a line break, a tab or an escape code), which a one-line field cannot hold")
	controlMsgText = T("contains control characters or escape codes; only line breaks and tabs are allowed")
)

// forbiddenRune reports whether r may not appear in chart text. Line
// breaks and tabs are allowed when multiline is set.
func forbiddenRune(r rune, multiline bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !multiline
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidirectional embeddings, overrides and isolates
		return true
	case r == utf8.RuneError:
		return true
	}
	return false
}

// hasForbidden reports whether s holds a character forbiddenRune refuses,
// or is not valid UTF-8.
func hasForbidden(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if forbiddenRune(r, multiline) {
			return true
		}
	}
	return false
}

// reasonError refuses a reason or note given with an action (a deletion,
// a merge, a new MRN) that holds control characters; what names the
// action as ValidationError does.
func reasonError(what, reason string) error {
	if hasForbidden(reason, true) {
		return &ValidationError{What: what, Fields: []FieldError{{Field: T("reason"), Message: controlMsgText}}}
	}
	return nil
}

// line refuses control characters, line breaks and tabs in a one-line
// field (names, phone numbers, addresses). Check it before the field's
// other checks, whose text check it then stands for.
func (p *problems) line(field, value string) {
	if hasForbidden(value, false) && !p.controlReported(field) {
		p.add(field, controlMsgLine)
	}
}

// text refuses control characters other than line breaks and tabs.
func (p *problems) text(field, value string) {
	if hasForbidden(value, true) && !p.controlReported(field) {
		p.add(field, controlMsgText)
	}
}

// controlReported reports whether field already has a control-character
// problem.
func (p *problems) controlReported(field string) bool {
	for _, f := range p.list {
		if f.Field == field && (f.Message == controlMsgLine || f.Message == controlMsgText) {
			return true
		}
	}
	return false
}

// controls checks every string in v (a record about to be saved, walked
// through its exported fields and named by their JSON names, e.g.
// "diagnoses[1].description") as text.
//
// Line ends written the Windows or old Mac way ("\r\n", "\r"), as other
// systems' exports and pasted text carry them, become "\n" first, in
// place, so such a note is kept rather than refused.
func (p *problems) controls(v any) {
	normalizeLineEnds(reflect.ValueOf(v))
	walkStrings(reflect.ValueOf(v), "", p.text)
}

// crlf turns "\r\n" and a lone "\r" into "\n".
var crlf = strings.NewReplacer("\r\n", "\n", "\r", "\n")

func normalizeLineEnds(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			normalizeLineEnds(v.Elem())
		}
	case reflect.String:
		if v.CanSet() && strings.ContainsRune(v.String(), '\r') {
			v.SetString(crlf.Replace(v.String()))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				normalizeLineEnds(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			for i := range v.Len() {
				normalizeLineEnds(v.Index(i))
			}
		}
	}
}

func walkStrings(v reflect.Value, path string, fn func(field, s string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, fn)
		}
	case reflect.String:
		fn(path, v.String())
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				walkStrings(v.Field(i), path, fn) // embedded, as Meta
				continue
			}
			if name == "" {
				name = f.Name
			}
			if path != "" {
				name = path + "." + name
			}
			walkStrings(v.Field(i), name, fn)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes, not text
		}
		for i := range v.Len() {
			walkStrings(v.Index(i), path+"["+strconv.Itoa(i+1)+"]", fn)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if iter.Key().Kind() == reflect.String {
				fn(path, iter.Key().String())
			}
			walkStrings(iter.Value(), path+"."+iter.Key().String(), fn)
		}
	}
}
