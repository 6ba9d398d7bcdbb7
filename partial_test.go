package cvm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the test's non-UTC location, whatever the machine has

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

// mergeCases are transactions for the merge test: synthetic customers
// (seeded) plus hand cases: a returns-only customer, same-day purchases,
// purchases without an order ID (one occasion each under ByOrder),
// purchases on either side of the as-of time and of a midnight in
// Shanghai but not UTC, amounts of many decimal places, and an order
// split over two days.
func mergeCases(seed uint64) []cvm.Transaction {
	txs := slices.Collect(synth.Transactions(synth.Config{Customers: 60, Seed: seed, ReturnRate: 0.2}))
	at := func(s string) time.Time { return check.Must(time.Parse(time.RFC3339Nano, s)) }
	txs = append(txs,
		cvm.Transaction{Customer: "returns-only", Time: at("2024-03-01T10:00:00Z"), Amount: -12.5, Order: "R1"},
		cvm.Transaction{Customer: "returns-only", Time: at("2024-03-02T10:00:00Z"), Amount: -0.1},
		cvm.Transaction{Customer: "same-day", Time: at("2024-03-01T09:00:00Z"), Amount: 0.1, Order: "A"},
		cvm.Transaction{Customer: "same-day", Time: at("2024-03-01T09:00:00Z"), Amount: 0.2, Order: "A"},
		cvm.Transaction{Customer: "same-day", Time: at("2024-03-01T18:00:00.5Z"), Amount: 0.3, Order: "B"},
		cvm.Transaction{Customer: "no-order", Time: at("2024-03-01T09:00:00Z"), Amount: 5},
		cvm.Transaction{Customer: "no-order", Time: at("2024-03-01T09:00:00Z"), Amount: 5},
		cvm.Transaction{Customer: "no-order", Time: at("2024-03-03T09:00:00Z"), Amount: 7, Order: "X"},
		cvm.Transaction{Customer: "no-order", Time: at("2024-03-04T09:00:00Z"), Amount: -2},
		// 2024-03-01T16:30Z is 00:30 on 2 March in Shanghai.
		cvm.Transaction{Customer: "midnight", Time: at("2024-03-01T15:30:00Z"), Amount: 1e-7, Order: "M1"},
		cvm.Transaction{Customer: "midnight", Time: at("2024-03-01T16:30:00Z"), Amount: 123456789.123, Order: "M1"},
		cvm.Transaction{Customer: "midnight", Time: at("2024-03-01T16:30:00Z"), Amount: 0, Order: "M2"},
		cvm.Transaction{Customer: "as-of", Time: at("2025-06-30T23:59:59.999999999Z"), Amount: 1, Order: "O1"},
		cvm.Transaction{Customer: "as-of", Time: at("2025-07-01T00:00:00Z"), Amount: 2, Order: "O2"},
		cvm.Transaction{Customer: "after-as-of", Time: at("2025-08-01T00:00:00Z"), Amount: 3},
	)
	return txs
}

// sameBits fails unless got and want are equal bit for bit.
func sameBits(t *testing.T, name string, got, want []cvm.Summary) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d summaries, want %d", name, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Customer != w.Customer || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) ||
			g.First.Location().String() != w.First.Location().String() || g.Occasions != w.Occasions ||
			g.Transactions != w.Transactions || math.Float64bits(g.Total) != math.Float64bits(w.Total) ||
			math.Float64bits(g.Returns) != math.Float64bits(w.Returns) {
			t.Fatalf("%s: got %+v, want %+v", name, g, w)
		}
	}
}

func mergeSettings(t *testing.T) map[string]*cvm.SummarySettings {
	shanghai := check.Must(time.LoadLocation("Asia/Shanghai"))
	asOf := check.Must(time.Parse(time.RFC3339, "2025-07-01T00:00:00Z"))
	return map[string]*cvm.SummarySettings{
		"default":          nil,
		"by order":         {Occasions: cvm.ByOrder},
		"shanghai":         {Location: shanghai},
		"as of, by order":  {AsOf: asOf, Occasions: cvm.ByOrder, Location: shanghai},
		"as of, by day":    {AsOf: asOf},
		"shanghai + order": {Occasions: cvm.ByOrder, Location: shanghai},
	}
}

// Issue 16 item 3, the merge test: the transactions split into random
// partitions, each summarised apart (its rows shuffled, some through a
// JSON round trip), merged in a random order and grouping, give the same
// bits as one pass, for 200 seeds and every kind of settings. The one
// pass is itself checked against a plain reference (math/big sums, maps
// of days and orders).
func TestSummarizerMerge(t *testing.T) {
	sets := mergeSettings(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range sets {
			if !yield(k) {
				return
			}
		}
	})
	for seed := range uint64(200) {
		txs := mergeCases(seed)
		name := names[seed%uint64(len(names))]
		set := sets[name]
		want := check.Must(cvm.Summarize(context.Background(), slices.Values(txs), set))
		if seed < uint64(len(names)) {
			sameBits(t, name+": one pass vs reference", want, refSummaries(t, txs, set))
		}
		rng := rand.New(rand.NewPCG(seed, 16))
		k := 1 + rng.IntN(9)
		parts := make([][]cvm.Transaction, k)
		for _, tx := range txs {
			p := rng.IntN(k)
			parts[p] = append(parts[p], tx)
		}
		var partials []*cvm.Summarizer
		for _, part := range parts {
			rng.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
			s := cvm.NewSummarizer(set)
			for _, tx := range part {
				check.NoErr(t, s.Add(tx))
			}
			if rng.IntN(2) == 0 {
				data := check.Must(json.Marshal(s))
				var back cvm.Summarizer
				if err := json.Unmarshal(data, &back); err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, data)
				}
				s = &back
			}
			partials = append(partials, s)
		}
		// Merge random pairs until one is left.
		for len(partials) > 1 {
			i, j := rng.IntN(len(partials)), rng.IntN(len(partials)-1)
			if j >= i {
				j++
			}
			check.NoErr(t, partials[i].Merge(partials[j]))
			partials = slices.Delete(partials, j, j+1)
		}
		sameBits(t, fmt.Sprintf("seed %d %s, %d partitions", seed, name, k), partials[0].Summaries(), want)
		// The merged partial goes on accepting rows as a fresh one does.
		extra := cvm.Transaction{Customer: "same-day", Time: txs[0].Time, Amount: 0.7, Order: "A"}
		check.NoErr(t, partials[0].Add(extra))
		want = check.Must(cvm.Summarize(context.Background(), slices.Values(append(txs, extra)), set))
		sameBits(t, fmt.Sprintf("seed %d %s, after an Add", seed, name), partials[0].Summaries(), want)
	}
}

// refSummaries is a plain reference for the merge test: per customer,
// exact sums (math/big rationals of the amounts' shortest decimals)
// rounded once, and maps of days and order IDs.
func refSummaries(t *testing.T, txs []cvm.Transaction, set *cvm.SummarySettings) []cvm.Summary {
	if set == nil {
		set = &cvm.SummarySettings{}
	}
	loc := set.Location
	if loc == nil {
		loc = time.UTC
	}
	type acc struct {
		s        cvm.Summary
		tot, ret big.Rat
		occ      map[string]bool
		noOrder  int
	}
	m := map[string]*acc{}
	for _, tx := range txs {
		if !set.AsOf.IsZero() && tx.Time.After(set.AsOf) {
			continue
		}
		a := m[tx.Customer]
		if a == nil {
			a = &acc{s: cvm.Summary{Customer: tx.Customer}, occ: map[string]bool{}}
			m[tx.Customer] = a
		}
		x, ok := new(big.Rat).SetString(strconv.FormatFloat(tx.Amount, 'e', -1, 64))
		if !ok {
			t.Fatal(tx.Amount)
		}
		a.s.Transactions++
		a.tot.Add(&a.tot, x)
		if tx.Amount < 0 {
			a.ret.Sub(&a.ret, x)
			continue
		}
		if a.s.First.IsZero() || tx.Time.Before(a.s.First) {
			a.s.First = tx.Time.In(loc)
		}
		if a.s.Last.IsZero() || tx.Time.After(a.s.Last) {
			a.s.Last = tx.Time.In(loc)
		}
		switch {
		case set.Occasions == cvm.ByDay:
			a.occ[tx.Time.In(loc).Format("2006-01-02")] = true
		case tx.Order == "":
			a.noOrder++
		default:
			a.occ[tx.Order] = true
		}
	}
	var out []cvm.Summary
	for _, a := range m {
		s := a.s
		s.Total, _ = a.tot.Float64()
		s.Returns, _ = a.ret.Float64()
		s.Occasions = len(a.occ) + a.noOrder
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b cvm.Summary) int { return strings.Compare(a.Customer, b.Customer) })
	return out
}

// Merging summarizers of different settings is an error, and so is a
// merged sum that overflows, naming the customer; neither changes the
// receiver.
func TestSummarizerMergeErrors(t *testing.T) {
	day := check.Must(time.Parse(time.RFC3339, "2024-01-01T00:00:00Z"))
	sets := mergeSettings(t)
	for a, sa := range sets {
		for b, sb := range sets {
			if a == b {
				continue
			}
			x, y := cvm.NewSummarizer(sa), cvm.NewSummarizer(sb)
			if err := x.Merge(y); !errors.Is(err, cvm.ErrSettingsMismatch) {
				t.Errorf("%s with %s: %v, want ErrSettingsMismatch", a, b, err)
			}
		}
	}
	x, y := cvm.NewSummarizer(nil), cvm.NewSummarizer(nil)
	check.NoErr(t, x.Add(cvm.Transaction{Customer: "A", Time: day, Amount: 1e38}))
	check.NoErr(t, x.Add(cvm.Transaction{Customer: "B", Time: day, Amount: 1}))
	check.NoErr(t, y.Add(cvm.Transaction{Customer: "B", Time: day.Add(time.Hour), Amount: 2}))
	check.NoErr(t, y.Add(cvm.Transaction{Customer: "A", Time: day, Amount: 1e38}))
	before := x.Summaries()
	err := x.Merge(y)
	var te *cvm.TransactionError
	if !errors.Is(err, cvm.ErrOverflow) || !errors.As(err, &te) || te.Customer != "A" {
		t.Fatalf("Merge: %v, want ErrOverflow naming A", err)
	}
	sameBits(t, "after a failed merge", x.Summaries(), before)
}

// Decoding is strict: every inconsistency is an error naming the field,
// and a good partial decodes to what it encoded.
func TestSummarizerUnmarshalJSON(t *testing.T) {
	head := `{"format":"cvm.summarizer","version":1,"settings":{"occasions":"day","location":"UTC"},"customers":[`
	good := `{"id":"A","rows":3,"first":"2024-01-01T10:00:00Z","last":"2024-01-03T10:00:00Z","scale":2,"purchases":"1234","returns":"100","days":[19723,19725]}`
	var s cvm.Summarizer
	check.NoErr(t, json.Unmarshal([]byte(head+good+`]}`), &s))
	got := s.Summaries()
	// Hand figures: 12.34 - 1.00 = 11.34 net, 1.00 returned, two days.
	if len(got) != 1 || got[0].Total != 11.34 || got[0].Returns != 1 || got[0].Occasions != 2 || got[0].Transactions != 3 {
		t.Fatalf("decoded %+v", got)
	}
	if data := check.Must(json.Marshal(&s)); string(data) != head+good+`]}` {
		t.Errorf("re-encoded\n%s, want\n%s", data, head+good+`]}`)
	}
	for _, tt := range []struct{ name, in, want string }{
		{"other format", `{"format":"cvm.x","version":1}`, `"cvm.x" version 1`},
		{"other version", `{"format":"cvm.summarizer","version":2}`, "version 2, want version 1"},
		{"unknown field", head + `]},"x":1}`, "invalid character"},
		{"unknown customer field", head + `{"id":"A","rows":1,"x":1}]}`, `unknown field "x"`},
		{"trailing", head + good + `]} {}`, "invalid character"},
		{"no location", `{"format":"cvm.summarizer","version":1,"settings":{"occasions":"day"},"customers":[]}`, "no location"},
		{"bad location", `{"format":"cvm.summarizer","version":1,"settings":{"occasions":"day","location":"Nowhere/At_All"},"customers":[]}`, "location"},
		{"bad occasions", `{"format":"cvm.summarizer","version":1,"settings":{"occasions":"week","location":"UTC"},"customers":[]}`, "week"},
		{"order", head + good + `,` + good + `]}`, "strictly increasing ID"},
		{"empty id", head + `{"id":"","rows":1,"scale":0,"purchases":"0","returns":"1"}]}`, "empty ID"},
		{"no rows", head + `{"id":"A","rows":0,"scale":0,"purchases":"0","returns":"1"}]}`, "rows 0"},
		{"scale", head + `{"id":"A","rows":1,"scale":401,"purchases":"0","returns":"1"}]}`, "scale 401"},
		{"negative scale", head + `{"id":"A","rows":1,"scale":-1,"purchases":"0","returns":"1"}]}`, "scale -1"},
		{"sum sign", head + `{"id":"A","rows":1,"scale":0,"purchases":"0","returns":"-1"}]}`, "returns"},
		{"sum zero", head + `{"id":"A","rows":1,"scale":0,"purchases":"0","returns":"01"}]}`, "returns"},
		{"sum big", head + `{"id":"A","rows":1,"scale":0,"purchases":"0","returns":"170141183460469231731687303715884105728"}]}`, "below 2^127"},
		{"sum dot", head + `{"id":"A","rows":1,"scale":0,"purchases":"1.5","returns":"0"}]}`, "purchases"},
		{"nothing", head + `{"id":"A","rows":1,"scale":0,"purchases":"0","returns":"0"}]}`, "neither"},
		{"half dates", head + `{"id":"A","rows":1,"first":"2024-01-01T00:00:00Z","scale":0,"purchases":"1","returns":"0","days":[19723]}]}`, "both"},
		{"purchases without first", head + `{"id":"A","rows":1,"scale":0,"purchases":"1","returns":"0"}]}`, "without a first"},
		{"no occasion", head + `{"id":"A","rows":1,"first":"2024-01-01T00:00:00Z","last":"2024-01-01T00:00:00Z","scale":0,"purchases":"1","returns":"0"}]}`, "without an occasion"},
		{"last before first", head + `{"id":"A","rows":1,"first":"2024-01-02T00:00:00Z","last":"2024-01-01T00:00:00Z","scale":0,"purchases":"1","returns":"0","days":[19723]}]}`, "before the first"},
		{"days order", head + `{"id":"A","rows":3,"first":"2024-01-01T10:00:00Z","last":"2024-01-03T10:00:00Z","scale":0,"purchases":"1","returns":"0","days":[19725,19723]}]}`, "strictly increasing order"},
		{"first day", head + `{"id":"A","rows":3,"first":"2024-01-01T10:00:00Z","last":"2024-01-03T10:00:00Z","scale":0,"purchases":"1","returns":"0","days":[19724,19725]}]}`, "first day"},
		{"last day", head + `{"id":"A","rows":3,"first":"2024-01-01T10:00:00Z","last":"2024-01-03T10:00:00Z","scale":0,"purchases":"1","returns":"0","days":[19723,19724]}]}`, "last day"},
		{"too many occasions", head + `{"id":"A","rows":1,"first":"2024-01-01T10:00:00Z","last":"2024-01-03T10:00:00Z","scale":0,"purchases":"1","returns":"0","days":[19723,19725]}]}`, "occasions for 1 rows"},
		{"orders by day", head + `{"id":"A","rows":1,"first":"2024-01-01T10:00:00Z","last":"2024-01-01T10:00:00Z","scale":0,"purchases":"1","returns":"0","orders":["x"]}]}`, "order IDs with occasions by day"},
		{"days by order", strings.Replace(head, `"day"`, `"order"`, 1) + good + `]}`, "days with occasions by order"},
		{"empty order", strings.Replace(head, `"day"`, `"order"`, 1) + `{"id":"A","rows":1,"first":"2024-01-01T10:00:00Z","last":"2024-01-01T10:00:00Z","scale":0,"purchases":"1","returns":"0","orders":[""]}]}`, "empty order ID"},
		{"orders order", strings.Replace(head, `"day"`, `"order"`, 1) + `{"id":"A","rows":2,"first":"2024-01-01T10:00:00Z","last":"2024-01-01T10:00:00Z","scale":0,"purchases":"1","returns":"0","orders":["b","a"]}]}`, "strictly increasing order"},
		{"negative no_order", strings.Replace(head, `"day"`, `"order"`, 1) + `{"id":"A","rows":2,"first":"2024-01-01T10:00:00Z","last":"2024-01-01T10:00:00Z","scale":0,"purchases":"1","returns":"0","no_order":-1,"orders":["a"]}]}`, "negative"},
		{"after as of", strings.Replace(head, `"occasions"`, `"as_of":"2024-01-02T00:00:00Z","occasions"`, 1) + good + `]}`, "after as_of"},
		{"zero as of", strings.Replace(head, `"occasions"`, `"as_of":"0001-01-01T00:00:00Z","occasions"`, 1) + `]}`, "zero time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := check.Must(json.Marshal(&s))
			err := json.Unmarshal([]byte(tt.in), &s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if after := check.Must(json.Marshal(&s)); string(after) != string(before) {
				t.Errorf("a failed decode changed the Summarizer")
			}
		})
	}
	var fe *cvm.FormatError
	if err := json.Unmarshal([]byte(`{"format":"cvm.summarizer","version":9}`), &s); !errors.As(err, &fe) {
		t.Errorf("other version: %v, want a *FormatError", err)
	}
	// IDs that JSON cannot carry are an encoding error.
	x := cvm.NewSummarizer(nil)
	check.NoErr(t, x.Add(cvm.Transaction{Customer: "\xff", Time: time.Unix(0, 1), Amount: 1}))
	if _, err := json.Marshal(x); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8 ID: %v", err)
	}
}

// FuzzSummarizerJSON: any input either fails to decode or decodes to a
// partial that encodes, decodes again to the same bytes, summarises and
// merges without panicking.
func FuzzSummarizerJSON(f *testing.F) {
	for _, set := range mergeSettings(nil) {
		s := cvm.NewSummarizer(set)
		for _, tx := range mergeCases(1)[:80] {
			if err := s.Add(tx); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(check.Must(json.Marshal(s)))
	}
	head := `{"format":"cvm.summarizer","version":1,"settings":{"occasions":"order","location":"UTC"},"customers":[`
	for _, seed := range []string{
		`{}`, `[]`, `null`, `{"format":"cvm.summarizer","version":1}`,
		head + `]}`,
		head + `{"id":"A","rows":9223372036854775807,"first":"2024-01-01T10:00:00Z","last":"2024-01-01T10:00:00Z","scale":400,"purchases":"170141183460469231731687303715884105727","returns":"170141183460469231731687303715884105727","no_order":9223372036854775807}]}`,
		head + `{"id":"A","rows":2,"first":"9999-12-31T23:59:59.999999999Z","last":"9999-12-31T23:59:59.999999999Z","scale":0,"purchases":"1","returns":"0","orders":["\u0000"]}]}`,
		head + `{"id":"A","rows":1,"first":"-0001-01-01T00:00:00Z","last":"2024-01-01T00:00:00Z","scale":0,"purchases":"1","returns":"0","no_order":1}]}`,
		`{"format":"cvm.summarizer","version":1,"settings":{"occasions":"day","location":"Local"},"customers":[{"id":"A","rows":1,"first":"2024-01-01T10:00:00+14:00","last":"2024-01-01T10:00:00-12:00","scale":0,"purchases":"1","returns":"0","days":[-2147483648,2147483647]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s cvm.Summarizer
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		enc, err := json.Marshal(&s)
		if err != nil {
			return // a time outside the years 0..9999 after UTC conversion
		}
		var back cvm.Summarizer
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if enc2 := check.Must(json.Marshal(&back)); string(enc2) != string(enc) {
			t.Fatalf("round trip changed\n%s\n%s", enc, enc2)
		}
		sums := s.Summaries()
		other := cvm.NewSummarizer(nil)
		if err := back.Merge(other); err == nil {
			sameBits(t, "merge with an empty one", back.Summaries(), sums)
		}
	})
}

// The merge test on CDNOW master (CVM_DATA or ../shared/data; skipped
// when absent): its rows split into 5 random partitions, summarised apart
// and merged in a random order, give Reader.Summarize's bits, by day and
// by order (CDNOW has no order IDs: every purchase is its own occasion).
func TestSummarizerMergeCDNOW(t *testing.T) {
	dir := os.Getenv("CVM_DATA")
	if dir == "" {
		dir = "../shared/data"
	}
	path := filepath.Join(dir, "CDNOW_master.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("%s not found (set CVM_DATA to the data folder): %v", path, err)
	}
	read := &cvm.ReadSettings{Customer: "1", Time: "2", Amount: "4", Order: cvm.NoColumn, Comma: cvm.Whitespace}
	rd := check.Must(cvm.NewReader(bytes.NewReader(data), read))
	txs := check.Must(rd.ReadAll(context.Background()))
	for _, set := range []*cvm.SummarySettings{nil, {Occasions: cvm.ByOrder}} {
		rd := check.Must(cvm.NewReader(bytes.NewReader(data), read))
		want := check.Must(rd.Summarize(context.Background(), set))
		rng := rand.New(rand.NewPCG(5, 16))
		parts := make([]*cvm.Summarizer, 5)
		for i := range parts {
			parts[i] = cvm.NewSummarizer(set)
		}
		for _, tx := range txs {
			check.NoErr(t, parts[rng.IntN(len(parts))].Add(tx))
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		for _, p := range parts[1:] {
			check.NoErr(t, parts[0].Merge(p))
		}
		sameBits(t, "CDNOW", parts[0].Summaries(), want)
	}
}
