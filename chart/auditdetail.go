package chart

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"chartkeeper/store"
)

// The details of the audit entries chart writes that are sentences. An
// entry's detail is stored in English as written and never changes (the
// log is sealed and synced); [AuditDetailText] reads a stored detail back
// into its sentence and values, so the workstation shows it in another
// language. Each is marked with [T] so it is translated. Details that are
// only values (IDs, a username, a reason as typed) are not sentences.
var (
	detailBreakGlass      = T("until %s: %s")
	detailImport          = T("%s: %d records")
	detailExport          = T("%d patients: %s")
	detailChartHidden     = T("without %s")
	detailBreakGlassUse   = T("break-glass")
	detailDocGlass        = T("%s (break-glass)")
	detailSealed          = T("%d documents sealed to the clinical compartment: %s")
	detailCodes           = T("%s: %d ICD-10-CM codes")
	detailDeletionKept    = T("%s: %d versions, deletion kept")
	detailFieldsChosen    = T("%s: %d versions, %d fields chosen")
	detailDisclosure      = T("to %s: %s")
	detailMerge           = T("MRN %s merged into MRN %s: %s")
	detailUnmerge         = T("MRN %s separated again: %s")
	detailRotate          = T("%s: all pages by %d°")
	detailRotatePages     = T("%s: pages %s by %d°")
	detailMRN             = T("MRN %s replaced by %s: %s")
	detailNotDuplicate    = T("MRN %s and MRN %s marked not the same person: %s")
	detailNotDupUndone    = T("MRN %s and MRN %s: not the same person undone: %s")
	detailDuplicates      = T("registered despite %d likely duplicate(s)")
	detailImported        = T("import")
	detailImportedFrom    = T("import: %s")
	detailAlive           = T("alive (a death recorded in error was undone)")
	detailDeathUnknown    = T("date not known")
	detailVisitCoded      = T("%s: %d diagnoses, %d procedures")
	detailLogRead         = T("log read")
	detailAllergyRecorded = T("an active allergy was recorded")
)

// auditDetails maps each audit action chart writes a sentence detail for
// to the detail's formats as written.
var auditDetails = map[string][]string{
	"breakglass.open":                   {detailBreakGlass},
	"patient.import":                    {detailImport},
	"export.practice":                   {detailExport},
	"chart.view":                        {detailChartHidden, detailBreakGlassUse},
	"document.view":                     {detailDocGlass},
	"document.seal":                     {detailSealed},
	"codes.import":                      {detailCodes},
	"conflict.resolve":                  {detailDeletionKept, detailFieldsChosen},
	"disclosure":                        {detailDisclosure},
	"patient.merge":                     {detailMerge},
	"patient.unmerge":                   {detailUnmerge},
	"document.rotate":                   {detailRotate, detailRotatePages},
	"patient.mrn":                       {detailMRN},
	"patient.notduplicate":              {detailNotDuplicate},
	"patient.notduplicate.undo":         {detailNotDupUndone},
	"patient.create":                    {detailDuplicates, detailImported, detailImportedFrom},
	"patient.death":                     {detailAlive, detailDeathUnknown},
	"visit.code":                        {detailVisitCoded},
	"audit.review":                      {detailLogRead},
	TypeNoKnownAllergies + ".supersede": {detailAllergyRecorded},
}

// AuditDetailFormats maps each audit action whose detail is a sentence to
// the formats that detail is written in: chart's and the store's.
func AuditDetailFormats() map[string][]string {
	out := make(map[string][]string, len(auditDetails))
	for a, fs := range auditDetails {
		out[a] = append(out[a], fs...)
	}
	for a, fs := range store.AuditDetails() {
		out[a] = append(out[a], fs...)
	}
	return out
}

type detailPattern struct {
	format string
	re     *regexp.Regexp
}

var detailPatterns = sync.OnceValue(func() map[string][]detailPattern {
	out := map[string][]detailPattern{}
	for a, fs := range AuditDetailFormats() {
		for _, f := range fs {
			out[a] = append(out[a], detailPattern{f, formatPattern(f)})
		}
	}
	return out
})

// formatPattern is a format as a pattern that matches the whole text it
// writes, each value a group: %d digits, any other verb any text (as
// little as reads the rest).
func formatPattern(format string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for rest := format; rest != ""; {
		j := strings.IndexByte(rest, '%')
		if j < 0 || j+1 >= len(rest) {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:j]))
		if rest[j+1] == 'd' {
			b.WriteString(`(-?\d+)`)
		} else {
			b.WriteString(`(.*?)`)
		}
		rest = rest[j+2:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// AuditDetailText reads the stored detail of an audit entry of action
// back into the sentence it was written as (key, the English format, to
// be translated) and its values as written (args, each for a %s verb; a
// %d value is passed as its digits, so a translation keeps %d and gets
// the number). ok is false when the detail is not one of the sentences
// (only values, or text typed by someone): it is then shown as stored.
func AuditDetailText(action, detail string) (key string, args []any, ok bool) {
	for _, p := range detailPatterns()[action] {
		m := p.re.FindStringSubmatch(detail)
		if m == nil {
			continue
		}
		args = make([]any, 0, len(m)-1)
		verbs := verbsOf(p.format)
		for i, v := range m[1:] {
			if verbs[i] == 'd' {
				n, err := strconv.Atoi(v)
				if err != nil {
					return "", nil, false
				}
				args = append(args, n)
				continue
			}
			args = append(args, v)
		}
		return p.format, args, true
	}
	return "", nil, false
}

// verbsOf is the verb letters of format, in order.
func verbsOf(format string) []byte {
	var out []byte
	for i := 0; i+1 < len(format); i++ {
		if format[i] == '%' {
			out = append(out, format[i+1])
			i++
		}
	}
	return out
}

// DetailText is one sentence of an audit entry's detail, as written in
// English (Key, to be translated) and its values (as AuditDetailText
// gives them).
type DetailText struct {
	Key  string
	Args []any
}

var rotationPatterns = sync.OnceValue(func() []detailPattern {
	var out []detailPattern
	for _, f := range store.KeyRotationParts() {
		out = append(out, detailPattern{f, formatPattern(f)})
	}
	return out
})

// KeyRotationDetail reads the stored detail of a key rotation (action
// key.rotate) back into the keys it lists, each a DetailText, and why
// the keys were renewed, as stored (an action code and what it was done
// to). ok is false for any other text.
func KeyRotationDetail(detail string) (parts []DetailText, why string, ok bool) {
	list, why, found := strings.Cut(detail, ": ")
	if !found {
		return nil, "", false
	}
	for _, item := range strings.Split(list, ", ") {
		matched := false
		for _, p := range rotationPatterns() {
			m := p.re.FindStringSubmatch(item)
			if m == nil {
				continue
			}
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, "", false
			}
			parts = append(parts, DetailText{Key: p.format, Args: []any{n}})
			matched = true
			break
		}
		if !matched {
			return nil, "", false
		}
	}
	return parts, why, true
}
