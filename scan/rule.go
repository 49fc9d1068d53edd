package scan

import (
	"regexp"
	"strings"
)

// Rule files a document by its file name: a pattern in which {mrn} stands
// for the patient's MRN, {category} optionally for a document category,
// * for any run of characters and ? for one. Matching ignores case, e.g.
// "{mrn}_{category}_*.pdf" matches "10000008_lab_scan001.PDF".
type Rule struct {
	pattern string
	re      *regexp.Regexp
}

// ParseRule compiles a filename rule; it must contain {mrn}.
func ParseRule(pattern string) (*Rule, error) {
	if !strings.Contains(pattern, "{mrn}") {
		return nil, settingsErr(T("the filename rule %q has no {mrn}", pattern))
	}
	var b strings.Builder
	b.WriteString("(?i)^")
	rest := pattern
	seen := map[string]bool{}
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "{mrn}"), strings.HasPrefix(rest, "{category}"):
			name := rest[1:strings.IndexByte(rest, '}')]
			if seen[name] {
				return nil, settingsErr(T("the filename rule %q has {%s} twice", pattern, name))
			}
			seen[name] = true
			if name == "mrn" {
				b.WriteString(`(?P<mrn>[0-9]{8})`)
			} else {
				b.WriteString(`(?P<category>[a-z]+)`)
			}
			rest = rest[len(name)+2:]
		case rest[0] == '*':
			b.WriteString(".*?")
			rest = rest[1:]
		case rest[0] == '?':
			b.WriteString(".")
			rest = rest[1:]
		case rest[0] == '{':
			return nil, settingsErr(T("the filename rule %q has an unknown {field}; use {mrn} and {category}", pattern))
		default:
			b.WriteString(regexp.QuoteMeta(rest[:1]))
			rest = rest[1:]
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, settingsErr(T("the filename rule %q cannot be used: %v", pattern, err))
	}
	return &Rule{pattern: pattern, re: re}, nil
}

// String is the rule's pattern.
func (r *Rule) String() string { return r.pattern }

// Match reads the MRN and category (empty when the rule has none) from a
// file name.
func (r *Rule) Match(name string) (mrn, category string, ok bool) {
	m := r.re.FindStringSubmatch(name)
	if m == nil {
		return "", "", false
	}
	for i, n := range r.re.SubexpNames() {
		switch n {
		case "mrn":
			mrn = m[i]
		case "category":
			category = strings.ToLower(m[i])
		}
	}
	return mrn, category, true
}
