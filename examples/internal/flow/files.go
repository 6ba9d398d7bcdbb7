package flow

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
)

// WriteFiles writes every stage's output into dir (created if needed) and
// returns the file names written: one CSV per stage with one row per
// customer (quoted by encoding/csv's rules), the fitted models as JSON,
// and report.txt. Each file is written whole or not at all; a caller that
// wants the folder whole or not at all builds it aside
// (examples/internal/input.ReplaceDir). Pictures are written by
// [Result.Plots].
func (r *Result) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	// file writes one file whole or not at all
	// (examples/internal/input.CreateFile) and records its name.
	file := func(name string, write func(io.Writer) error) error {
		if err := input.CreateFile(filepath.Join(dir, name), nil, write); err != nil {
			return err
		}
		names = append(names, name)
		return nil
	}
	// csv writes one file by encoding/csv's rules (internal/csvout).
	csv := func(name string, header string, n int, row func(i int) []string) error {
		return file(name, func(f io.Writer) error {
			w := csvout.NewWriter(f)
			w.Write(strings.Split(header, ",")...)
			for i := range n {
				if err := w.Write(row(i)...); err != nil {
					return err
				}
			}
			return w.Flush()
		})
	}
	js := func(name string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return file(name, func(w io.Writer) error {
			_, err := w.Write(append(b, '\n'))
			return err
		})
	}
	// ff writes a float with at most 15 significant digits, so sums of
	// cents read 6683.65 rather than 6683.650000000001.
	ff := func(x float64) string {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	steps := []func() error{
		func() error {
			s := r.Summaries
			return csv("summaries.csv", "customer,first,last,occasions,transactions,total,returns", len(s), func(i int) []string {
				return []string{s[i].Customer, stamp(s[i].First), stamp(s[i].Last), strconv.Itoa(s[i].Occasions), strconv.Itoa(s[i].Transactions), ff(s[i].Total), ff(s[i].Returns)}
			})
		},
		func() error {
			st := r.RFM
			return csv("rfm.csv", "customer,recency_days,frequency,monetary,r,f,m,cell,segment", len(st.Values), func(i int) []string {
				v, c := st.Values[i], st.Cells[i]
				return []string{v.Customer, ff(v.Recency), ff(v.Frequency), ff(v.Monetary), strconv.Itoa(c.R), strconv.Itoa(c.F), strconv.Itoa(c.M), c.String(), r.SegmentOf(v.Customer)}
			})
		},
		func() error { return js("rfm_scorer.json", r.RFM.Scorer) },
		func() error { return js("rfm_rules.json", r.RFM.Rules) },
		func() error {
			st := r.KMeans
			if st == nil {
				return nil
			}
			if err := csv("clusters.csv", "customer,cluster,segment_of_centre", len(r.RFM.Values), func(i int) []string {
				l := st.Labels[i]
				return []string{r.RFM.Values[i].Customer, strconv.Itoa(l + 1), st.Profiles[l].Segment}
			}); err != nil {
				return err
			}
			if err := js("kmeans_standardizer.json", st.Std); err != nil {
				return err
			}
			return js("kmeans.json", st.Model)
		},
		func() error {
			st := r.CLV
			if st == nil {
				return nil
			}
			cs := st.Data.Customers
			if err := csv("clv.csv", "customer,frequency,recency_weeks,T_weeks,p_alive,expected_purchases_52w,expected_spend,clv_12m", len(cs), func(i int) []string {
				c := cs[i]
				return []string{c.ID, ff(c.Frequency), ff(c.Recency), ff(c.T), ff(st.Alive[i]), ff(st.Purchases[i]), ff(st.MeanSpend[i]), ff(st.Value[i])}
			}); err != nil {
				return err
			}
			if err := js("clv_bgnbd.json", st.Model); err != nil {
				return err
			}
			return js("clv_gammagamma.json", st.Spend)
		},
		func() error {
			st := r.Value
			if st == nil {
				return nil
			}
			if err := csv("value.csv", "customer,current,potential,total,quadrant,tier", len(st.Scores), func(i int) []string {
				s := st.Scores[i]
				return []string{s.Customer, ff(s.Current), ff(s.Potential), ff(s.Total), s.Quadrant.String(), strconv.Itoa(int(s.Tier))}
			}); err != nil {
				return err
			}
			return js("value_model.json", st.Model)
		},
		func() error {
			st := r.Lifecycle
			if st == nil {
				return nil
			}
			return csv("lifecycle.csv", "customer,stage,since,pattern,transitions", len(st.Results), func(i int) []string {
				x := st.Results[i]
				return []string{x.Customer, x.State.Stage().String(), stamp(x.State.Since()), x.Pattern.String(), strconv.Itoa(len(x.History))}
			})
		},
		func() error {
			if r.Recovery == nil {
				return nil
			}
			// Streamed: a million customers' playbooks are some 6 GB
			// of JSON, which json.Marshal would hold twice.
			return file("recovery_book.json", func(w io.Writer) error {
				if err := r.Recovery.Book.WriteJSON(w); err != nil {
					return err
				}
				_, err := io.WriteString(w, "\n")
				return err
			})
		},
		func() error {
			return file("report.txt", r.Report)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return names, err
		}
	}
	return names, nil
}
