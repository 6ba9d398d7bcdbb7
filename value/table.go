package value

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"

	"github.com/cvmkit/cvm/internal/parallel"
)

// IndicatorTable is the input of [Fit] and [Model.Score]: one row per customer and
// one column per indicator, identified by indicator ID. It is stored by
// column so that a package computing one indicator for every customer (such
// as value/clv with predicted lifetime value) can add it without copying the
// others:
//
//	t = t.WithColumn("clv", predicted)
//
// Columns[j][i] is the value of indicator IDs[j] for customer Customers[i].
// NaN marks a missing value, which the model handles according to its
// [MissingPolicy]; an infinite value is always an error. Columns may be in
// any order and need not be in catalog order; a column whose ID is not in
// the catalog is an error wrapping [ErrUnknownID] unless
// [Settings.IgnoreUnknown] is set.
//
// Functions in this package never modify a IndicatorTable or keep it.
type IndicatorTable struct {
	Customers []string    // customer IDs, unique and non-empty
	IDs       []string    // indicator IDs, one per column
	Columns   [][]float64 // Columns[j] has one value per customer
}

// NewIndicatorTable returns an empty table for the given customers (not copied).
func NewIndicatorTable(customers []string) IndicatorTable {
	return IndicatorTable{Customers: customers}
}

// Len returns the number of customers.
func (t IndicatorTable) Len() int { return len(t.Customers) }

// WithColumn returns a table that shares t's columns and has the column id
// added (or replaced when t already has it). col must have one value per
// customer, or WithColumn panics. Neither t nor col is modified; the result
// aliases col.
func (t IndicatorTable) WithColumn(id string, col []float64) IndicatorTable {
	if len(col) != len(t.Customers) {
		panic(fmt.Sprintf("value: column %q has %d values for %d customers", id, len(col), len(t.Customers)))
	}
	out := IndicatorTable{
		Customers: t.Customers,
		IDs:       make([]string, len(t.IDs), len(t.IDs)+1),
		Columns:   make([][]float64, len(t.Columns), len(t.Columns)+1),
	}
	copy(out.IDs, t.IDs)
	copy(out.Columns, t.Columns)
	for j, c := range out.IDs {
		if c == id {
			out.Columns[j] = col
			return out
		}
	}
	out.IDs = append(out.IDs, id)
	out.Columns = append(out.Columns, col)
	return out
}

// Column returns the column of indicator id (aliasing the table's memory)
// and whether it exists.
func (t IndicatorTable) Column(id string) ([]float64, bool) {
	for j, c := range t.IDs {
		if c == id {
			return t.Columns[j], true
		}
	}
	return nil, false
}

// Validate checks the table's shape and customers: it panics when the
// number of IDs and columns differ or a column's length is not the number
// of customers (programmer errors), and returns an error for no customers
// ([ErrEmptyInput]), an empty or duplicate customer ID ([ErrDuplicate]), an
// empty or duplicate column ID, or an infinite value ([ErrNonFinite]). NaN
// is a missing value and is not an error here.
func (t IndicatorTable) Validate() error {
	if len(t.IDs) != len(t.Columns) {
		panic(fmt.Sprintf("value: table has %d IDs and %d columns", len(t.IDs), len(t.Columns)))
	}
	for j, c := range t.Columns {
		if len(c) != len(t.Customers) {
			panic(fmt.Sprintf("value: column %q has %d values for %d customers", t.IDs[j], len(c), len(t.Customers)))
		}
	}
	if len(t.Customers) == 0 {
		return ErrEmptyInput
	}
	if err := checkCustomers(t.Customers); err != nil {
		return err
	}
	cols := make(map[string]bool, len(t.IDs))
	for j, id := range t.IDs {
		if id == "" {
			return &IndicatorError{ID: id, Err: ErrEmptyID}
		}
		if cols[id] {
			return &IndicatorError{ID: id, Err: fmt.Errorf("table column: %w", ErrDuplicateID)}
		}
		cols[id] = true
		for i, v := range t.Columns[j] {
			if math.IsInf(v, 0) {
				return &DataError{Index: i, Customer: t.Customers[i], Indicator: id, Value: v, Err: ErrNonFinite}
			}
		}
	}
	return nil
}

// Rows returns a table with the given rows of t, in that order, in fresh
// memory. It panics if a row is out of range.
func (t IndicatorTable) Rows(rows []int) IndicatorTable {
	out := IndicatorTable{Customers: make([]string, len(rows)), IDs: append([]string(nil), t.IDs...), Columns: make([][]float64, len(t.Columns))}
	for k, i := range rows {
		out.Customers[k] = t.Customers[i]
	}
	for j, c := range t.Columns {
		col := make([]float64, len(rows))
		for k, i := range rows {
			col[k] = c[i]
		}
		out.Columns[j] = col
	}
	return out
}

// JoinReport says where the columns and customers of a table made by
// [IndicatorTable.Join] came from.
type JoinReport struct {
	Own    []string // the columns of the receiver, in its order
	Added  []string // the columns of the other table the receiver lacks, in its order
	Shared []string // the columns in both, taken from the receiver
	// Unmatched counts the receiver's customers absent from the other
	// table: their Added columns are NaN (missing values, handled by the
	// model's [MissingPolicy]).
	Unmatched int
	// Dropped counts the other table's customers absent from the receiver,
	// which the joined table leaves out.
	Dropped int
}

// Join returns a table of t's customers, in t's order, with t's columns and
// the columns of u that t lacks, matched by customer ID: a left join, in
// which a column in both tables is taken from t. t's columns are shared,
// not copied; the added columns are fresh memory. Errors are those of
// [IndicatorTable.Validate] on either table (the one of u is wrapped
// naming it as "joined table"); neither table is modified.
func (t IndicatorTable) Join(u IndicatorTable) (IndicatorTable, JoinReport, error) {
	var rep JoinReport
	if err := t.Validate(); err != nil {
		return IndicatorTable{}, rep, err
	}
	if err := u.Validate(); err != nil {
		return IndicatorTable{}, rep, fmt.Errorf("joined table: %w", err)
	}
	rep.Own = append([]string(nil), t.IDs...)
	row := make(map[string]int, len(u.Customers))
	for i, c := range u.Customers {
		row[c] = i
	}
	match := make([]int, len(t.Customers))
	seen := 0
	for i, c := range t.Customers {
		j, ok := row[c]
		if !ok {
			j = -1
			rep.Unmatched++
		} else {
			seen++
		}
		match[i] = j
	}
	rep.Dropped = len(u.Customers) - seen
	out := IndicatorTable{Customers: t.Customers, IDs: append([]string(nil), t.IDs...), Columns: append([][]float64(nil), t.Columns...)}
	for k, id := range u.IDs {
		if _, ok := t.Column(id); ok {
			rep.Shared = append(rep.Shared, id)
			continue
		}
		col := make([]float64, len(t.Customers))
		for i, j := range match {
			col[i] = math.NaN()
			if j >= 0 {
				col[i] = u.Columns[k][j]
			}
		}
		rep.Added = append(rep.Added, id)
		out.IDs = append(out.IDs, id)
		out.Columns = append(out.Columns, col)
	}
	return out, rep, nil
}

// checkCustomers returns Validate's error for the first empty or repeated
// customer ID of cs, or nil. A large cs is first checked by sorting the
// IDs' 64-bit hashes, in two halves on up to two goroutines, several times
// faster than a map of the IDs: when no two hashes are equal no ID
// repeats, and only empty IDs remain to be found. Equal hashes (a repeated
// ID, or a collision) take the map, which names the first repeat.
func checkCustomers(cs []string) error {
	if len(cs) < 1<<14 || hashesRepeat(cs) {
		seen := make(map[string]int, len(cs))
		for i, c := range cs {
			if c == "" {
				return &DataError{Index: i, Customer: c, Err: ErrEmptyID}
			}
			if first, dup := seen[c]; dup {
				return &DataError{Index: i, Customer: c, Err: fmt.Errorf("%w (first at index %d)", ErrDuplicate, first)}
			}
			seen[c] = i
		}
		return nil
	}
	if i := slices.Index(cs, ""); i >= 0 {
		return &DataError{Index: i, Customer: "", Err: ErrEmptyID}
	}
	return nil
}

// hashesRepeat reports whether two IDs of cs have the same hash (with a
// seed of its own; the answer changes only which path checkCustomers
// takes, never its result).
func hashesRepeat(cs []string) bool {
	seed := maphash.MakeSeed()
	h := make([]uint64, len(cs))
	mid := len(cs) / 2
	parallel.Chunks(len(cs), mid, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			h[i] = maphash.String(seed, cs[i])
		}
		slices.Sort(h[lo:hi])
	})
	// Sorted runs h[:mid] and h[mid:2*mid], and h[2*mid:] of at most one
	// element: a repeat is equal neighbours in a run or equal across runs.
	a, b, c := h[:mid], h[mid:2*mid], h[2*mid:]
	for _, r := range [][]uint64{a, b} {
		for i := 1; i < len(r); i++ {
			if r[i] == r[i-1] {
				return true
			}
		}
	}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			return true
		}
	}
	for _, v := range c {
		if _, found := slices.BinarySearch(a, v); found {
			return true
		}
		if _, found := slices.BinarySearch(b, v); found {
			return true
		}
	}
	return false
}
