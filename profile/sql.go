package profile

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/value"
	"github.com/cvmkit/cvm/value/clv"
)

// SQLSettings name the inputs and outputs of [Models.SQL]. A nil
// *SQLSettings means every default.
type SQLSettings struct {
	// RFM names the table of raw RFM values (the profiles' RFM); nil
	// means segment's defaults (table "rfm"). Its Rules, when nil, are the
	// models' Rules.
	RFM *segment.SQLSettings
	// Value names the table of the value model's indicators (what
	// File.Indicators holds); nil means value's defaults (table
	// "indicators").
	Value *value.SQLSettings
	// CLV names the table of the CLV inputs (the profiles' CLV.Input: x,
	// t_x and T in weeks, mean_spend); nil means clv's defaults (table
	// "clv").
	CLV *clv.SQLSettings
	// Rows are the distinct CLV inputs of the lookup table of expected
	// purchases and discounted purchases ([File.CLVRows]); nil means no
	// lookup table, and the CLV view has P(alive) and the expected spend
	// only.
	Rows []clv.Row
	// Prefix starts the names of the views and the lookup table; ""
	// means "cvm_".
	Prefix string
}

// SQL returns the scoring script of the models in dialect d: statements
// ended by ";\n" that a database runs without any cvm code, creating
//
//	<prefix>clv_lookup  a table: expected purchases in 52 weeks and discounted purchases by (x, t_x, T) (with s.Rows)
//	<prefix>rfm         a view: customer, r, f, m, segment ([segment.Scorer.SQL] with the models' rules)
//	<prefix>value       a view: customer, current_value, potential_value, total_value, quadrant, tier ([value.Model.SQL])
//	<prefix>clv         a view: customer, p_alive, expected_spend and, with s.Rows, expected_purchases and clv
//	<prefix>profile     a view joining them by customer over the value view's customers
//
// The views read the input tables s names, which hold what the profiles
// hold (Profile.RFM, File.Indicators, Profile.CLV.Input); the views then
// give every customer the figures of [Build] (see the packages' SQL
// methods for the precision). clv is the expected spend times the
// discounted purchases over the models' CLVMonths. Without purchase
// models (too few repeat buyers) there is no CLV view, table or column.
// The customer column of every view is named as in its input; the
// profile view's is "customer".
//
// It returns the errors of the packages' SQL methods, and an error for an
// unknown dialect, or for Rows without purchase models.
func (m *Models) SQL(d cvm.Dialect, s *SQLSettings) (string, error) {
	if err := sqlexpr.CheckDialect("profile", d); err != nil {
		return "", err
	}
	var o SQLSettings
	if s != nil {
		o = *s
	}
	if o.Prefix == "" {
		o.Prefix = "cvm_"
	}
	if m.RFM == nil || m.Rules == nil || m.Value == nil {
		return "", fmt.Errorf("profile: SQL: models without RFM, rules or value model")
	}
	if o.Rows != nil && m.Purchases == nil {
		return "", fmt.Errorf("profile: SQL: lookup rows without purchase models")
	}
	var rfmSet segment.SQLSettings
	if o.RFM != nil {
		rfmSet = *o.RFM
	}
	if rfmSet.Rules == nil {
		rfmSet.Rules = m.Rules
	}
	var b strings.Builder
	view := func(name, query string) {
		b.WriteString("CREATE VIEW " + sqlexpr.Quote(o.Prefix+name) + " AS\n" + query + ";\n")
	}
	lookup := o.Prefix + "clv_lookup"
	if o.Rows != nil {
		q, err := m.Purchases.LookupSQL(d, o.Rows, &clv.LookupSettings{Table: lookup, Horizon: forecastWeeks, CLV: &clv.CLVSettings{Months: m.CLVMonths}})
		if err != nil {
			return "", err
		}
		b.WriteString(q)
	}
	q, err := m.RFM.SQL(d, &rfmSet)
	if err != nil {
		return "", err
	}
	view("rfm", q)
	if q, err = m.Value.SQL(d, o.Value); err != nil {
		return "", err
	}
	view("value", q)
	rc := cmp.Or(rfmSet.Customer, "customer")
	vc := "customer"
	if o.Value != nil && o.Value.Customer != "" {
		vc = o.Value.Customer
	}
	cols := []string{"r.\"r\"", "r.\"f\"", "r.\"m\"", "r.\"segment\""}
	from := sqlexpr.Quote(o.Prefix+"value") + " AS v\nLEFT JOIN " + sqlexpr.Quote(o.Prefix+"rfm") + " AS r ON r." + sqlexpr.Quote(rc) + " = v." + sqlexpr.Quote(vc)
	if m.Purchases != nil {
		cq, cc, ccols, err := m.clvView(d, o, lookup)
		if err != nil {
			return "", err
		}
		view("clv", cq)
		for _, c := range ccols {
			cols = append(cols, "c."+sqlexpr.Quote(c))
		}
		from += "\nLEFT JOIN " + sqlexpr.Quote(o.Prefix+"clv") + " AS c ON c." + sqlexpr.Quote(cc) + " = v." + sqlexpr.Quote(vc)
	}
	for _, c := range []string{"current_value", "potential_value", "total_value", "quadrant", "tier"} {
		cols = append(cols, "v."+sqlexpr.Quote(c))
	}
	view("profile", "SELECT v."+sqlexpr.Quote(vc)+" AS \"customer\", "+strings.Join(cols, ", ")+"\nFROM "+from)
	return b.String(), nil
}

// clvView is the query of the CLV view, its customer column and its
// other columns.
func (m *Models) clvView(d cvm.Dialect, o SQLSettings, lookup string) (string, string, []string, error) {
	var cs clv.SQLSettings
	if o.CLV != nil {
		cs = *o.CLV
	}
	cust := cmp.Or(cs.Customer, "customer")
	qc := sqlexpr.Quote(cust)
	pq, err := m.Purchases.SQL(d, &cs)
	if err != nil {
		return "", "", nil, err
	}
	cols := []string{"p_alive"}
	sel := "p." + qc + " AS " + qc + ", p.\"p_alive\""
	from := "(" + pq + ") AS p"
	if m.Spend != nil {
		sq, err := m.Spend.SQL(d, &cs)
		if err != nil {
			return "", "", nil, err
		}
		cols = append(cols, "expected_spend")
		sel += ", s.\"expected_spend\""
		from += "\nLEFT JOIN (" + sq + ") AS s ON s." + qc + " = p." + qc
	}
	if o.Rows != nil {
		key := func(col, def string) string {
			return "l." + sqlexpr.Quote(def) + " = CAST(i." + sqlexpr.Quote(cmp.Or(col, def)) + " AS " + sqlexpr.DoubleType(d) + ")"
		}
		cols = append(cols, "expected_purchases")
		sel += ", l.\"expected_purchases\""
		if m.Spend != nil {
			cols = append(cols, "clv")
			sel += ", (s.\"expected_spend\" * l.\"discounted_purchases\") AS \"clv\""
		}
		from += "\nLEFT JOIN " + sqlexpr.Table(cmp.Or(cs.Table, "clv")) + " AS i ON i." + qc + " = p." + qc +
			"\nLEFT JOIN " + sqlexpr.Table(lookup) + " AS l ON " + key(cs.Frequency, "x") + " AND " + key(cs.Recency, "t_x") + " AND " + key(cs.T, "T")
	}
	return "SELECT " + sel + "\nFROM " + from, cust, cols, nil
}

// CLVRows returns the distinct CLV inputs of the profiles with a
// forecast and their counts (clv.Compress of their CLV.Input), the rows
// of the lookup table of [Models.SQL]; nil when no profile has one.
func (f *File) CLVRows() []clv.Row {
	var cs []clv.Customer
	for i := range f.Profiles {
		if f.Profiles[i].CLV.OK {
			cs = append(cs, f.Profiles[i].CLV.Input)
		}
	}
	return clv.Compress(cs)
}
