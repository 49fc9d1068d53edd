package ui

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/plots"
)

// resultColumns are the Results tab's columns. Each but the test's is as
// wide as its widest text, heading included, up to most; the test's takes
// what is left of the table's width (at least leastTestWidth), and a name
// wider than that wraps onto more lines, so that unit, range and flag stay
// in view without scrolling sideways down to a 1024-pixel screen with the
// find pane beside the chart.
var resultColumns = []struct {
	title func() string
	most  float32 // 0 for the test's column, which takes the rest
}{
	{func() string { return lang.L("Taken") }, 170},
	{func() string { return lang.L("Test") }, 0},
	{func() string { return lang.L("Value") }, 150},
	{func() string { return lang.L("Unit") }, 100},
	{func() string { return lang.L("Range") }, 120},
	{func() string { return lang.L("Flag") }, 60},
}

// resultTakenColumn and resultTestColumn are the date's and the test's
// columns; leastTestWidth is the least the test's gets, below which the
// time goes under the date, then the table scrolls sideways.
const (
	resultTakenColumn = 0
	resultTestColumn  = 1
	leastTestWidth    = 100
)

// resultCell is the text of one cell of the Results table.
func resultCell(r chart.Result, col int) string {
	switch col {
	case 0:
		return showWhen(r.Taken)
	case 1:
		return r.Name
	case 2:
		switch {
		case r.Value != "":
			if r.Comparator != "" {
				return r.Comparator + " " + localNumbers(r.Value)
			}
			return localNumbers(r.Value)
		case r.Text != "":
			return r.Text
		}
		return r.ValueText() // a panel's parts
	case 3:
		if r.Value != "" {
			return r.Unit
		}
		return ""
	case 4:
		return localNumbers(r.RangeShown())
	case 5:
		return r.Flag
	}
	return ""
}

// resultsTrend is the Results tab: the table of results above the trend
// of one test, chosen in the picker or by selecting a row.
type resultsTrend struct {
	v     *chartView
	rows  []chart.Result
	tests []chart.ResultTest
	keys  map[string]string // picker option -> test key
	opts  map[string]string // test key -> picker option
	table *widget.Table
	pick  *widget.Select
	plot  *plotView
	say   *widget.Label // instead of the plot: why there is none
	note  *widget.Label // under the plot: what it leaves out
	shown string        // the key of the test shown

	widths     []float32       // each column's content width (resultColumns)
	dateWidth  float32         // the Taken column's width with the time under the date
	takenWraps bool            // the time goes under the date, for want of room
	fitWidth   float32         // the table width the columns were last fitted to
	tall       map[int]float32 // rows given more than one line, and their height
}

// results is the Results tab: every result of the chart (laboratory,
// social history, surveys, …), newest first, one row each with its value,
// unit, reference range and flag; a flag outside the range shows in red.
// Under the table, the trend of one test over time.
func (v *chartView) results() fyne.CanvasObject {
	rs := v.c.Results
	if len(rs) == 0 {
		return scroll(paragraph(lang.L("No results recorded.")))
	}
	rt := &resultsTrend{v: v, rows: rs, tests: chart.ResultTests(rs), keys: map[string]string{}, opts: map[string]string{}}
	v.labTrend = rt
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(rs), len(resultColumns) },
		func() fyne.CanvasObject {
			// NewLabel, not a bare &widget.Label: a label that wraps must
			// be laid out at every size its cell is given.
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.Importance = widget.MediumImportance
			if rs[id.Row].Abnormal() && (id.Col == 2 || id.Col == 5) {
				l.Importance = widget.DangerImportance
			}
			// The test's name wraps (its row is made tall enough), and so
			// does the date and time where room is short; the other
			// columns are as wide as their widest text.
			if id.Col == resultTestColumn || id.Col == resultTakenColumn && rt.takenWraps {
				l.Wrapping, l.Truncation = fyne.TextWrapWord, fyne.TextTruncateOff
			} else {
				l.Wrapping, l.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
			}
			l.SetText(resultCell(rs[id.Row], id.Col))
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(resultColumns) {
			o.(*widget.Label).SetText(resultColumns[id.Col].title())
		}
	}
	t.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(rs) {
			rt.show(rs[id.Row].TestKey())
		}
	}
	rt.table = t

	// The picker names each test with its number of results; a name two
	// tests share gets the LOINC code too.
	names := map[string]int{}
	for _, x := range rt.tests {
		names[strings.ToLower(x.Name)]++
	}
	var options []string
	for _, x := range rt.tests {
		o := fmt.Sprintf("%s (%d)", x.Name, len(x.Results))
		if names[strings.ToLower(x.Name)] > 1 {
			o = fmt.Sprintf("%s, %s (%d)", x.Name, strings.TrimPrefix(strings.TrimPrefix(x.Key, "loinc:"), "name:"), len(x.Results))
		}
		options = append(options, o)
		rt.keys[o], rt.opts[x.Key] = x.Key, o
	}
	rt.pick = widget.NewSelect(options, func(o string) {
		v.s.touch()
		rt.draw(rt.keys[o])
	})
	rt.plot = newPlotView(v.s.ws.win, plots.Chart{}, fyne.NewSize(280, 110))
	rt.say = paragraph("")
	rt.note = &widget.Label{Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis}
	top := container.NewBorder(nil, nil, &widget.Label{Text: lang.L("Trend of"), TextStyle: fyne.TextStyle{Bold: true}}, nil, rt.pick)
	trend := border(top, rt.note, nil, nil, container.NewStack(rt.plot, container.NewVBox(rt.say)))
	rt.show(firstTrend(rt.tests, rs))
	cells := container.NewThemeOverride(t, compactCells{})
	split := container.NewVSplit(container.NewPadded(container.New(&resultsTableLayout{rt}, cells)), trend)
	split.Offset = 0.42
	return split
}

// compactCells is the shown theme with half its inner padding, for the
// Results table: its cells keep 4 units of space about their text instead
// of 8, so that more columns fit across and more rows down.
type compactCells struct{}

func (compactCells) base() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (c compactCells) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return c.base().Color(n, v)
}
func (c compactCells) Font(s fyne.TextStyle) fyne.Resource     { return c.base().Font(s) }
func (c compactCells) Icon(n fyne.ThemeIconName) fyne.Resource { return c.base().Icon(n) }
func (c compactCells) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInnerPadding {
		return c.base().Size(n) / 2
	}
	return c.base().Size(n)
}

// compactSaving is what compactCells takes off a label's width and height:
// half the inner padding on each side.
func compactSaving() float32 { return theme.InnerPadding() }

// resultsTableLayout gives the results table its whole space and fits its
// columns to the width (resultsTrend.fit) whenever that changes.
type resultsTableLayout struct{ rt *resultsTrend }

func (l *resultsTableLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (l *resultsTableLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.rt.fit(size.Width)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

// fit sizes the table's columns for a table width (see resultColumns) and
// makes the rows whose text wraps tall enough for it. Where the columns do
// not fit with the test's at its least, the time goes under the date.
func (rt *resultsTrend) fit(width float32) {
	t := rt.table
	if width <= 0 || width == rt.fitWidth {
		return
	}
	rt.fitWidth = width
	if rt.widths == nil {
		rt.widths, rt.dateWidth = resultWidths(rt.rows)
	}
	// Columns are set apart by the theme's padding.
	rest := width - t.Theme().Size(theme.SizeNamePadding)*float32(len(resultColumns)-1)
	for i, w := range rt.widths {
		if i != resultTestColumn {
			rest -= w
		}
	}
	taken := rt.widths[resultTakenColumn]
	rt.takenWraps = rest < leastTestWidth && rt.dateWidth < taken
	if rt.takenWraps {
		rest += taken - rt.dateWidth
		taken = rt.dateWidth
	}
	test := max(rest, leastTestWidth)
	for i, w := range rt.widths {
		switch i {
		case resultTakenColumn:
			w = taken
		case resultTestColumn:
			w = test
		}
		t.SetColumnWidth(i, w)
	}

	// The rows' usual height is that of one line of text; a text that
	// wraps makes its row taller, and a row goes back when it fits again.
	if rt.tall == nil {
		rt.tall = map[int]float32{}
	}
	// Labels measured here are outside the table's compactCells theme.
	one := (&widget.Label{Text: "M"}).MinSize().Height - compactSaving() // i18n:skip (measured, not shown)
	var probe *widget.Label
	wrapped := func(text string, width float32) float32 {
		if probe == nil {
			// A label wraps at its width once it has been measured.
			probe = &widget.Label{Wrapping: fyne.TextWrapWord}
			probe.MinSize()
		}
		probe.SetText(text)
		probe.Resize(fyne.NewSize(0, 0))
		probe.Resize(fyne.NewSize(width+compactSaving(), one))
		return probe.MinSize().Height - compactSaving()
	}
	least := one
	if rt.takenWraps && len(rt.rows) > 0 {
		least = max(one, wrapped(resultCell(rt.rows[0], resultTakenColumn), taken))
	}
	for i, r := range rt.rows {
		h := least
		if resultTextWidth(r.Name, false) > test {
			h = max(h, wrapped(r.Name, test))
		}
		if h != one || rt.tall[i] != 0 {
			if h == one {
				delete(rt.tall, i)
			} else {
				rt.tall[i] = h
			}
			t.SetRowHeight(i, h)
		}
	}
	t.Refresh()
}

// resultWidths is each column's width for its widest text, heading
// included, up to the column's most (resultColumns), 0 for the test's; and
// the width the Taken column needs for the date alone, the time under it.
func resultWidths(rows []chart.Result) (ws []float32, date float32) {
	ws = make([]float32, len(resultColumns))
	for c, col := range resultColumns {
		if c == resultTestColumn {
			continue
		}
		w := resultTextWidth(col.title(), true)
		if c == resultTakenColumn {
			date = w
		}
		seen := map[string]bool{}
		for _, r := range rows {
			text := resultCell(r, c)
			if seen[text] {
				continue
			}
			seen[text] = true
			w = max(w, resultTextWidth(text, false))
			if c == resultTakenColumn {
				for _, part := range strings.Fields(text) {
					date = max(date, resultTextWidth(part, false))
				}
			}
		}
		ws[c] = min(w, col.most)
	}
	return ws, min(date, ws[resultTakenColumn])
}

// resultTextWidth is the width a label needs to show text on one line,
// its padding included, rounded up and a pixel more: a label that
// truncates cuts a text given exactly its own minimum width.
func resultTextWidth(text string, bold bool) float32 {
	w := (&widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: bold}}).MinSize().Width - compactSaving()
	return float32(math.Ceil(float64(w))) + 1
}

// firstTrend is the test the tab shows first: that of the newest result
// whose test has two values to plot, else that of the newest result.
func firstTrend(tests []chart.ResultTest, rs []chart.Result) string {
	enough := map[string]bool{}
	for _, t := range tests {
		enough[t.Key] = t.Numeric() >= 2
	}
	for _, r := range rs {
		if enough[r.TestKey()] {
			return r.TestKey()
		}
	}
	return rs[0].TestKey()
}

// show picks the test of key (which draws its trend).
func (rt *resultsTrend) show(key string) {
	if o, ok := rt.opts[key]; ok {
		if rt.pick.Selected == o {
			rt.draw(key)
			return
		}
		rt.pick.SetSelected(o)
	}
}

// draw shows the trend of the test of key, or says why there is none.
func (rt *resultsTrend) draw(key string) {
	rt.shown = key
	for _, t := range rt.tests {
		if t.Key != key {
			continue
		}
		c, say, note := resultChart(t)
		rt.note.SetText(note)
		if say != "" {
			rt.say.SetText(say)
			rt.say.Show()
			rt.plot.Hide()
			return
		}
		rt.say.Hide()
		rt.plot.SetChart(c)
		rt.plot.Show()
		return
	}
}

// resultChart is the trend of one test: its values in numbers, in the unit
// of the newest, over time, flagged ones marked, and the newest reference
// range shaded. Fewer than two such values draw nothing: say tells why in
// words. note says what the plot leaves out, if anything.
func resultChart(t chart.ResultTest) (c plots.Chart, say, note string) {
	var unit string
	var points []plots.Point
	var plotted []chart.Result
	inWords, other := 0, 0
	for _, r := range t.Results { // newest first
		x, ok := r.Number()
		switch {
		case !ok:
			inWords++
		case len(points) == 0 || strings.TrimSpace(r.Unit) == unit:
			unit = strings.TrimSpace(r.Unit)
			points = append(points, plots.Point{At: r.Taken, Value: x, Flagged: r.Abnormal()})
			plotted = append(plotted, r)
		default:
			other++
		}
	}
	switch len(points) {
	case 0:
		return c, fmt.Sprintf(lang.L("%s has no value in numbers to plot over time."), t.Name), ""
	case 1:
		r := plotted[0]
		return c, fmt.Sprintf(lang.L("%s has only one value in numbers (%s on %s); a trend needs at least two."),
			t.Name, localNumbers(r.ValueText()), showDay(r.Taken)), ""
	}
	c = plots.Chart{Title: t.Name, Unit: unit, Series: []plots.Series{{Name: t.Name, Points: points}},
		DateFormat: axisFullDate(), FlaggedName: lang.L("red discs: outside the range")}
	var notes []string
	ranges := map[string]bool{}
	for _, r := range plotted {
		if r.Low != "" || r.High != "" {
			ranges[r.Low+"|"+r.High] = true
			if c.Band == nil {
				c.Band = &[2]float64{bound(r.Low), bound(r.High)}
				c.BandName = fmt.Sprintf(lang.L("shaded: reference range %s"), localNumbers(r.RangeShown()))
			}
		}
	}
	if len(ranges) > 1 {
		notes = append(notes, lang.L("The shaded range is the newest result's; the ranges differ over time."))
	}
	if other > 0 {
		notes = append(notes, fmt.Sprintf(lang.L("%d in units other than %s not plotted."), other, unitOr(unit)))
	}
	if inWords > 0 {
		notes = append(notes, fmt.Sprintf(lang.L("%d without a number not plotted."), inWords))
	}
	return c, "", strings.Join(notes, " ")
}

// bound is a range's bound as a number; NaN (an open side) when empty.
func bound(s string) float64 {
	x, err := strconv.ParseFloat(s, 64)
	if s == "" || err != nil {
		return math.NaN()
	}
	return x
}

func unitOr(u string) string {
	if u == "" {
		return lang.L("none")
	}
	return u
}
