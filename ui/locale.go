package ui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"chartkeeper/internal/words"
)

// Dates and numbers in the form of the language screens are shown in
// (shownLanguage). The practice's store keeps dates as ISO text
// ("2026-12-07", "2026-12-07 14:05"); English shows them so, as the
// workstation always has. French, Spanish, Portuguese and Swahili show
// DD/MM/YYYY; French, Spanish and Portuguese write a decimal comma,
// Swahili (as Kenya and Tanzania do) a decimal point. Numbers have no
// thousands separator: a measurement reads as it is typed. See docs/UI.md,
// "Languages".

// localeForm is how one language writes dates and numbers.
type localeForm struct {
	dayFirst bool   // DD/MM/YYYY rather than ISO YYYY-MM-DD
	decimal  string // the decimal separator
}

var localeForms = map[string]localeForm{
	"en": {dayFirst: false, decimal: "."},
	"fr": {dayFirst: true, decimal: ","},
	"es": {dayFirst: true, decimal: ","},
	"pt": {dayFirst: true, decimal: ","},
	"sw": {dayFirst: true, decimal: "."},
}

// axisDate is the layout of a plot's dates: "Jan 2" in English, whose
// month names Go writes; the day and month in figures, day first, in the
// other languages ("07/12").
func axisDate() string {
	if shownLanguage() == "en" {
		return "Jan 2"
	}
	return "02/01"
}

// axisFullDate is the layout of the dates of a plot that may span years
// (a trend of results or vital signs): ISO in English, as the screens show
// dates there; day, month and year in figures, day first, in the other
// languages ("07/12/2026").
func axisFullDate() string {
	if shownLanguage() == "en" {
		return "2006-01-02"
	}
	return "02/01/2006"
}

func currentForm() localeForm {
	if f, ok := localeForms[shownLanguage()]; ok {
		return f
	}
	return localeForms["en"]
}

var isoDateTime = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})([ T]\d{2}:\d{2}(?::\d{2})?)?$`)

// showDate is a stored ISO date ("2026-12-07") as the current language
// writes it ("07/12/2026" in French). Text that is not an ISO date (empty,
// partial, typed free) is shown as it is.
func showDate(iso string) string {
	return showDateTime(iso)
}

// showDateTime is a stored ISO date and time ("2026-12-07 14:05", seconds
// optional) as the current language writes it ("07/12/2026 14:05"). A
// date alone is shown as showDate shows it; anything else as it is.
func showDateTime(iso string) string {
	m := isoDateTime.FindStringSubmatch(iso)
	if m == nil || !currentForm().dayFirst {
		return iso
	}
	return m[3] + "/" + m[2] + "/" + m[1] + strings.Replace(m[4], "T", " ", 1)
}

// showDay is t's date, in local time, as showDate writes it.
func showDay(t time.Time) string { return showDate(t.Local().Format("2006-01-02")) }

// showWhen is t's date and time to the minute, in local time, as
// showDateTime writes it.
func showWhen(t time.Time) string { return showDateTime(t.Local().Format("2006-01-02 15:04")) }

// showNumber is f with decimals decimals (a negative count: as few as
// needed, so 76.5 and 79) and the current language's decimal separator.
func showNumber(f float64, decimals int) string {
	s := strconv.FormatFloat(f, 'f', decimals, 64)
	if d := currentForm().decimal; d != "." {
		s = strings.Replace(s, ".", d, 1)
	}
	return s
}

// dayFirstDate is a date typed D/M/YYYY, DD.MM.YYYY or DD-MM-YYYY, with an
// optional time after it.
var dayFirstDate = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})((?:[ T]+)\d{1,2}:\d{2}(?::\d{2})?)?$`)

// entryDate is a date (or date and time) typed in an entry as the store
// keeps it: ISO text is taken as it is, and where the current language
// writes days first, DD/MM/YYYY (also D/M/YYYY, with dots or dashes) is
// turned into YYYY-MM-DD. Anything else is returned trimmed, for the
// chart's own check to explain. The time, when there is one, is kept.
func entryDate(text string) string {
	text = strings.TrimSpace(text)
	if !currentForm().dayFirst {
		return text
	}
	m := dayFirstDate.FindStringSubmatch(text)
	if m == nil {
		return text
	}
	day, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return text
	}
	out := fmt.Sprintf("%s-%02d-%02d", m[3], month, day)
	if m[4] != "" {
		clock := strings.TrimSpace(strings.TrimLeft(m[4], " T"))
		if len(clock) == 4 || (len(clock) == 7 && clock[1] == ':') { // 9:05 -> 09:05
			clock = "0" + clock
		}
		out += " " + clock
	}
	return out
}

// localNumbers is text holding numbers written with a decimal point, as
// results are stored ("8.0 %", "4.0–5.6"), with the current language's
// decimal separator: each point between two digits is changed, nothing
// else.
func localNumbers(s string) string {
	return words.Decimals(s, currentForm().decimal)
}

// localDecimal is a number already formatted with a decimal point (by
// fmt's %.1f, say) with the current language's decimal separator.
func localDecimal(s string) string {
	if d := currentForm().decimal; d != "." {
		return strings.Replace(s, ".", d, 1)
	}
	return s
}
