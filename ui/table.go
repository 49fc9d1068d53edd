package ui

import (
	"cmp"
	"math"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// tableColumn is one column of a recordTable.
type tableColumn struct {
	title string
	width float32 // its width, in Fyne units; the least one for a growing column
	grow  bool    // it takes the width the other columns leave
	text  func(i int) string
	// key orders the records when the table is sorted by this column
	// (ISO dates and times sort as text); the text when nil.
	key func(i int) string
	// num orders the records by number instead; 0 (not measured) sorts
	// as the smallest.
	num func(i int) float64
	// newest: a first click sorts newest (largest) first, as for dates and
	// measures; other columns sort A to Z first.
	newest bool
}

// recordTable lists records as a table with column headers. A click on a
// header sorts by that column, a second click reverses the order; each
// table starts sorted by its date, newest first. A click on a row opens its
// record; from the keyboard, Tab reaches the headers and the table, the
// arrow keys move between rows and Enter (or Space) opens the row. The
// table scrolls within the room it is given.
type recordTable struct {
	widget.Table
	cols   []tableColumn
	order  []int // the record shown in each row
	sortBy int
	desc   bool
	open   func(i int)      // opens record i; nil when rows open nothing
	danger func(i int) bool // rows to show in red; nil for none
	row    int              // the row the keyboard is on
	width  float32          // the width the columns were fitted to
	widths []float32        // each column's width for its text (fitColumns)
}

// newRecordTable shows n records in cols, sorted by column sortBy, newest
// (largest) first.
func newRecordTable(cols []tableColumn, n int, sortBy int, open func(i int)) *recordTable {
	cols[sortBy].newest = true
	t := &recordTable{cols: cols, sortBy: sortBy, desc: true, open: open}
	t.Length = func() (int, int) { return len(t.order), len(t.cols) }
	t.CreateCell = func() fyne.CanvasObject {
		return &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	}
	t.UpdateCell = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		if id.Row >= len(t.order) || id.Col >= len(t.cols) {
			l.SetText("")
			return
		}
		i := t.order[id.Row]
		imp := widget.MediumImportance
		if t.danger != nil && t.danger(i) {
			imp = widget.DangerImportance
		}
		if l.Importance != imp {
			l.Importance = imp
		}
		l.SetText(t.cols[id.Col].text(i))
	}
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject {
		return &widget.Button{Importance: widget.LowImportance, Alignment: widget.ButtonAlignLeading, IconPlacement: widget.ButtonIconTrailingText}
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 || id.Col >= len(t.cols) {
			return
		}
		col := id.Col
		b.Text = t.cols[col].title
		b.Icon = nil
		if col == t.sortBy {
			b.Icon = theme.MoveUpIcon()
			if t.desc {
				b.Icon = theme.MoveDownIcon()
			}
		}
		b.OnTapped = func() { t.sortOn(col) }
		b.Refresh()
	}
	t.OnSelected = func(id widget.TableCellID) {
		t.row = id.Row
		t.UnselectAll()
		t.openRow(id.Row)
	}
	t.ExtendBaseWidget(t)
	t.reset(n)
	return t
}

// reset shows n records, in the order chosen, from the first row.
func (t *recordTable) reset(n int) {
	t.order = make([]int, n)
	for i := range t.order {
		t.order[i] = i
	}
	t.row = 0
	t.fitColumns(n)
	t.sort()
}

// fitRows is how many records fitColumns measures: enough for every
// record of a chart's lists, a bound on the audit log's.
const fitRows = 500

// fitColumns makes each column that does not grow at least as wide as its
// widest text, its heading's included, so that no measure, date or
// heading is cut short ("3…" for 37.2 °C): a column is never narrower
// than its width asked, and the table scrolls across when the columns are
// wider than the room it has.
func (t *recordTable) fitColumns(n int) {
	th := t.Theme()
	size, inner := th.Size(theme.SizeNameText), th.Size(theme.SizeNameInnerPadding)
	measure := func(s string) float32 {
		if s == "" {
			return 0
		}
		// Rounded up and a unit more: a label that truncates cuts a text
		// given exactly its own width (seen in the real window).
		return float32(math.Ceil(float64(fyne.MeasureText(s, size, fyne.TextStyle{}).Width+2*inner))) + 1
	}
	// A heading is measured as the header button it is, with room for
	// the sort arrow any column may take.
	head := t.CreateHeader().(*widget.Button)
	head.Icon = theme.MoveDownIcon()
	t.widths = make([]float32, len(t.cols))
	for c, col := range t.cols {
		w := col.width
		if !col.grow {
			head.Text = col.title
			head.Refresh()
			w = max(w, head.MinSize().Width)
			for i := range min(n, fitRows) {
				w = max(w, measure(col.text(i)))
			}
		}
		t.widths[c] = w
		t.SetColumnWidth(c, w)
	}
	if t.width > 0 {
		t.fitGrowing(t.width)
	}
}

// sortOn sorts by column col: newest (largest) first for dates and
// measures and A to Z for text when it is a new column, the other way
// round when it already was.
func (t *recordTable) sortOn(col int) {
	if col == t.sortBy {
		t.desc = !t.desc
	} else {
		t.sortBy, t.desc = col, t.cols[col].newest || t.cols[col].num != nil
	}
	t.sort()
	t.Refresh()
}

func (t *recordTable) sort() {
	c := t.cols[t.sortBy]
	slices.SortStableFunc(t.order, func(a, b int) int {
		var r int
		switch {
		case c.num != nil:
			r = cmp.Compare(c.num(a), c.num(b))
		case c.key != nil:
			r = cmp.Compare(c.key(a), c.key(b))
		default:
			r = cmp.Compare(c.text(a), c.text(b))
		}
		if t.desc {
			return -r
		}
		return r
	})
}

// openRow opens the record shown in row r.
func (t *recordTable) openRow(r int) {
	if t.open != nil && r >= 0 && r < len(t.order) {
		t.open(t.order[r])
	}
}

// TypedKey opens the row with the keyboard on Enter, and follows the
// arrow keys to know which row that is.
func (t *recordTable) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		t.openRow(t.row)
		return
	case fyne.KeyDown:
		if t.row < len(t.order)-1 {
			t.row++
		}
	case fyne.KeyUp:
		if t.row > 0 {
			t.row--
		}
	}
	t.Table.TypedKey(ev)
}

// Resize gives the growing column what the others leave.
func (t *recordTable) Resize(s fyne.Size) {
	if s.Width != t.width {
		t.width = s.Width
		t.fitGrowing(s.Width)
	}
	t.Table.Resize(s)
}

// fitGrowing gives the growing column what the others leave of width.
func (t *recordTable) fitGrowing(width float32) {
	pad := t.Theme().Size(theme.SizeNamePadding)
	fixed := float32(0)
	for i, c := range t.cols {
		fixed += pad
		if !c.grow {
			fixed += t.widths[i]
		}
	}
	for i, c := range t.cols {
		if c.grow {
			t.SetColumnWidth(i, max(c.width, width-fixed-theme.Padding()))
		}
	}
}

// rowOf is the row that shows record i (for tests).
func (t *recordTable) rowOf(i int) int { return slices.Index(t.order, i) }
