package segment

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
)

// goldenValues are ten customers, six of whom bought once, with ties in
// recency (3, 3 and 20, 20, 20) and monetary (20, 20).
var goldenValues = []RFM{
	{Customer: "A", Recency: 0, Frequency: 5, Monetary: 50, Revenue: 50},
	{Customer: "B", Recency: 3, Frequency: 1, Monetary: 20, Revenue: 20},
	{Customer: "C", Recency: 3, Frequency: 1, Monetary: 10, Revenue: 10},
	{Customer: "D", Recency: 10, Frequency: 2, Monetary: 20, Revenue: 20},
	{Customer: "E", Recency: 20, Frequency: 1, Monetary: 80, Revenue: 80},
	{Customer: "F", Recency: 20, Frequency: 3, Monetary: 40, Revenue: 40},
	{Customer: "G", Recency: 20, Frequency: 1, Monetary: 1000, Revenue: 1000},
	{Customer: "H", Recency: 45, Frequency: 2, Monetary: 60, Revenue: 60},
	{Customer: "I", Recency: 90, Frequency: 1, Monetary: 70, Revenue: 70},
	{Customer: "J", Recency: 200, Frequency: 1, Monetary: 30, Revenue: 30},
}

func TestFitScoreGolden(t *testing.T) {
	tests := []struct {
		name                   string
		opts                   *ScorerSettings
		wantR, wantF, wantM    []float64
		wantMethod             string
		want                   []Cell
		wantEmptyF             []int
		wantCountF, wantCountR []int
	}{
		{
			// Breaks by hand with Q7(p) = x(j) + g(x(j+1)-x(j)), h = 9p, and
			// checked with numpy.percentile(x, [20, 40, 60, 80]):
			//   recency  0 3 3 10 20 20 20 45 90 200 -> 3, 16, 20, 54
			//   frequency 1 1 1 1 1 1 2 2 3 5        -> 1, 1, 1.4, 2.2
			//   monetary 10 20 20 30 40 50 60 70 80 1000 -> 20, 36, 54, 72
			// s(v) = 1 + #{b < v}; R = 6 - s(recency). F jumps from 1 to 4:
			// breaks 1 and 1 coincide (bin 2 empty by construction) and no
			// frequency lies in (1, 1.4] (bin 3 empty in this data).
			name:  "values (quantile type 7), most buy once",
			opts:  nil,
			wantR: []float64{3, 16, 20, 54}, wantF: []float64{1, 1, 1.4, 2.2}, wantM: []float64{20, 36, 54, 72},
			wantMethod: MethodQuantile,
			want: []Cell{
				{5, 5, 3}, {5, 1, 1}, {5, 1, 1}, {4, 4, 1}, {3, 1, 5},
				{3, 5, 3}, {3, 1, 5}, {2, 4, 4}, {1, 1, 4}, {1, 1, 2},
			},
			wantEmptyF: []int{2},
			wantCountF: []int{6, 0, 0, 2, 2},
			wantCountR: []int{2, 1, 3, 1, 3},
		},
		{
			// Rank scores max(1, ceil(pos*5/9)) for positions 0..9 give
			// 1 1 2 2 3 3 4 4 5 5 in the order (value, customer ID); the
			// same as pandas qcut(x.rank(method="first"), 5) on rows sorted
			// by ID, which gave R 5 5 4 4 3 3 2 2 1 1, F 5 1 1 4 2 5 2 4 3 3
			// and M 3 1 1 2 5 3 5 4 4 2. Breaks: the largest value of each
			// ascending bin: recency 3 10 20 45, frequency 1 1 1 2,
			// monetary 20 30 50 70.
			name:  "rank, ties split by customer ID",
			opts:  &ScorerSettings{Ties: TiesByRank},
			wantR: []float64{3, 10, 20, 45}, wantF: []float64{1, 1, 1, 2}, wantM: []float64{20, 30, 50, 70},
			wantMethod: MethodRank,
			want: []Cell{
				{5, 5, 3}, {5, 1, 1}, {4, 1, 1}, {4, 4, 2}, {3, 2, 5},
				{3, 5, 3}, {2, 2, 5}, {2, 4, 4}, {1, 3, 4}, {1, 3, 2},
			},
			wantEmptyF: []int{2, 3},
			wantCountF: []int{2, 2, 2, 2, 2},
			wantCountR: []int{2, 2, 2, 2, 2},
		},
		{
			// Fixed breaks, by hand: recency 7 30 90 180 (90 is in bin 3,
			// right-closed), frequency 1 2 3 4, monetary 25 50 100 500.
			name: "fixed breaks",
			opts: &ScorerSettings{
				RecencyBreaks:   []float64{7, 30, 90, 180},
				FrequencyBreaks: []float64{1, 2, 3, 4},
				MonetaryBreaks:  []float64{25, 50, 100, 500},
			},
			wantR: []float64{7, 30, 90, 180}, wantF: []float64{1, 2, 3, 4}, wantM: []float64{25, 50, 100, 500},
			wantMethod: MethodFixed,
			want: []Cell{
				{5, 5, 2}, {5, 1, 1}, {5, 1, 1}, {4, 2, 1}, {4, 1, 3},
				{4, 3, 2}, {4, 1, 5}, {3, 2, 3}, {3, 1, 3}, {1, 1, 2},
			},
			wantEmptyF: nil,
			wantCountF: []int{6, 2, 1, 0, 1},
			wantCountR: []int{1, 0, 2, 4, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, s, err := Score(nil, goldenValues, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if s.Bins() != 5 {
				t.Errorf("Bins = %d, want 5", s.Bins())
			}
			for _, c := range []struct {
				name string
				b    Binning
				want []float64
			}{{"recency", s.Recency(), tt.wantR}, {"frequency", s.Frequency(), tt.wantF}, {"monetary", s.Monetary(), tt.wantM}} {
				check.Floats(t, c.name+" breaks", c.b.Breaks, c.want, 0, 1e-12)
				if c.b.Method != tt.wantMethod {
					t.Errorf("%s method = %q, want %q", c.name, c.b.Method, tt.wantMethod)
				}
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("cells (-got +want):\n%s", diff)
			}
			if e := s.Frequency().EmptyBins(); !slices.Equal(e, tt.wantEmptyF) {
				t.Errorf("frequency EmptyBins = %v, want %v", e, tt.wantEmptyF)
			}
			r, f, _ := BinCounts(got, 5)
			if !slices.Equal(f, tt.wantCountF) || !slices.Equal(r, tt.wantCountR) {
				t.Errorf("counts R %v F %v, want R %v F %v", r, f, tt.wantCountR, tt.wantCountF)
			}
			// FitScorer fits the same breaks.
			s2, err := FitScorer(goldenValues, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s2.Recency().Breaks, s.Recency().Breaks) || !slices.Equal(s2.Monetary().Breaks, s.Monetary().Breaks) {
				t.Error("FitScorer and FitScore disagree")
			}
		})
	}
}

func TestScore(t *testing.T) {
	s, err := NewScorer(5, []float64{7, 30, 90, 180}, []float64{1, 2, 3, 4}, []float64{25, 50, 100, 500})
	if err != nil {
		t.Fatal(err)
	}
	// By hand: recency 30 is in (7, 30] -> s 2 -> R 4; frequency 2.5 ->
	// s 3; monetary 1e9 -> 5; negative monetary -> 1; recency 0 -> R 5.
	for _, c := range []struct {
		r, f, m float64
		want    Cell
	}{
		{30, 2.5, 1e9, Cell{4, 3, 5}},
		{0, 0, -10, Cell{5, 1, 1}},
		{181, 4, 500, Cell{1, 4, 4}},
	} {
		got, err := s.Score(c.r, c.f, c.m)
		if err != nil || got != c.want {
			t.Errorf("Score(%v, %v, %v) = %v, %v, want %v", c.r, c.f, c.m, got, err, c.want)
		}
	}
	for _, bad := range [][3]float64{{math.NaN(), 1, 1}, {1, math.Inf(1), 1}, {1, 1, math.Inf(-1)}} {
		if _, err := s.Score(bad[0], bad[1], bad[2]); !errors.Is(err, ErrNotFinite) {
			t.Errorf("Score(%v) err = %v, want ErrNotFinite", bad, err)
		}
	}
}

func TestScorerErrors(t *testing.T) {
	nan := slices.Clone(goldenValues)
	nan[3].Monetary = math.NaN()
	inf := slices.Clone(goldenValues)
	inf[2].Recency = math.Inf(1)
	four := []float64{1, 2, 3, 4}
	tests := []struct {
		name   string
		values []RFM
		opts   *ScorerSettings
		want   error
	}{
		{"bins 1", goldenValues, &ScorerSettings{Bins: 1}, ErrBins},
		{"bins 11", goldenValues, &ScorerSettings{Bins: 11}, ErrBins},
		{"bins -3", goldenValues, &ScorerSettings{Bins: -3}, ErrBins},
		{"breaks not increasing", goldenValues, &ScorerSettings{RecencyBreaks: []float64{1, 2, 2, 3}}, ErrBreaks},
		{"breaks decreasing", goldenValues, &ScorerSettings{MonetaryBreaks: []float64{4, 3, 2, 1}}, ErrBreaks},
		{"breaks too few", goldenValues, &ScorerSettings{FrequencyBreaks: []float64{1, 2}}, ErrBreaks},
		{"breaks for other bins", goldenValues, &ScorerSettings{Bins: 3, FrequencyBreaks: four}, ErrBreaks},
		{"breaks NaN", goldenValues, &ScorerSettings{FrequencyBreaks: []float64{1, math.NaN(), 3, 4}}, ErrBreaks},
		{"breaks Inf", goldenValues, &ScorerSettings{FrequencyBreaks: []float64{1, 2, 3, math.Inf(1)}}, ErrBreaks},
		{"NaN value", nan, nil, ErrNotFinite},
		{"Inf value", inf, &ScorerSettings{Ties: TiesByRank}, ErrNotFinite},
		{"empty", nil, nil, ErrNoCustomers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitScorer(tt.values, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("FitScorer err = %v, want %v", err, tt.want)
			}
			_, _, err = Score(nil, tt.values, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("FitScore err = %v, want %v", err, tt.want)
			}
		})
	}
	var re *RFMError
	if _, err := FitScorer(nan, nil); !errors.As(err, &re) || re.Customer != "D" || re.Field != "monetary" {
		t.Errorf("err = %v, want an *RFMError naming customer D, monetary", err)
	}
	if _, err := NewScorer(11, four, four, four); !errors.Is(err, ErrBins) {
		t.Errorf("NewScorer bins 11: err = %v", err)
	}
	if _, err := NewScorer(5, four, []float64{2, 1, 3, 4}, four); !errors.Is(err, ErrBreaks) {
		t.Errorf("NewScorer bad breaks: err = %v", err)
	}
	s := check.Must(NewScorer(5, four, four, four))
	if _, err := s.ScoreAll(nil, nan); !errors.Is(err, ErrNotFinite) {
		t.Errorf("ScoreAll NaN: err = %v", err)
	}
}

// randomValues draws n customers with heavy ties: frequency mostly 1,
// recency and monetary rounded.
func randomValues(rng *rand.Rand, n int) []RFM {
	v := make([]RFM, n)
	for i := range v {
		f := 1.0
		if rng.Float64() < 0.5 {
			f = float64(1 + rng.IntN(20))
		}
		v[i] = RFM{
			Customer:  string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)),
			Recency:   math.Round(rng.ExpFloat64() * 60),
			Frequency: f,
			Monetary:  math.Round(rng.ExpFloat64()*100*100) / 100,
		}
		v[i].Revenue = v[i].Monetary
	}
	return v
}

// refQuantile7 is a plain type-7 quantile on a sorted copy, written
// independently of the package code (Hyndman & Fan 1996, definition 7).
func refQuantile7(x []float64, p float64) float64 {
	s := slices.Clone(x)
	sort.Float64s(s)
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	hi := int(math.Ceil(h))
	return s[lo] + (h-float64(lo))*(s[hi]-s[lo])
}

func TestScoreProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 7, 50, 677} {
		for bins := 2; bins <= 10; bins++ {
			for _, ties := range []TiePolicy{TiesByValue, TiesByRank} {
				values := randomValues(rng, n)
				orig := slices.Clone(values)
				cells, s, err := Score(nil, values, &ScorerSettings{Bins: bins, Ties: ties})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(values, orig) {
					t.Fatal("FitScore modified values")
				}
				checkCellProperties(t, values, cells, bins, ties)
				if ties == TiesByValue {
					// Breaks match an independent type-7 quantile.
					for d, b := range []Binning{s.Recency(), s.Frequency(), s.Monetary()} {
						x := make([]float64, n)
						for i := range values {
							x[i] = rfmDim(&values[i], d)
						}
						for k, got := range b.Breaks {
							if want := refQuantile7(x, float64(k+1)/float64(bins)); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
								t.Fatalf("n %d B %d dim %d break %d = %v, want %v", n, bins, d, k+1, got, want)
							}
						}
					}
					// Scoring the training values again gives the same cells.
					again, err := s.ScoreAll(nil, values)
					if err != nil || !slices.Equal(again, cells) {
						t.Fatalf("n %d B %d: ScoreAll differs from FitScore", n, bins)
					}
				}
			}
		}
	}
}

func checkCellProperties(t *testing.T, values []RFM, cells []Cell, bins int, ties TiePolicy) {
	t.Helper()
	get := func(c Cell, d int) int { return [3]int{c.R, c.F, c.M}[d] }
	for d := range 3 {
		counts := make([]int, bins)
		for i, c := range cells {
			s := get(c, d)
			if s < 1 || s > bins {
				t.Fatalf("B %d %v: score %d outside 1..B", bins, ties, s)
			}
			counts[s-1]++
			for j := range cells {
				vi, vj := rfmDim(&values[i], d), rfmDim(&values[j], d)
				si, sj := s, get(cells[j], d)
				if d == 0 { // recency scores inversely
					si, sj = -si, -sj
				}
				if vi < vj && si > sj {
					t.Fatalf("B %d %v dim %d: not monotone: %v -> %d, %v -> %d", bins, ties, d, vi, get(c, d), vj, get(cells[j], d))
				}
				if ties == TiesByValue && vi == vj && si != sj {
					t.Fatalf("B %d dim %d: equal values %v got scores %d and %d", bins, d, vi, si, sj)
				}
			}
		}
		if ties == TiesByRank && len(values) >= bins {
			if lo, hi := slices.Min(counts), slices.Max(counts); hi-lo > 1 {
				t.Fatalf("B %d n %d dim %d: rank bin sizes %v differ by more than 1", bins, len(values), d, counts)
			}
		}
	}
}

func TestRankScoreSizes(t *testing.T) {
	// Equal-count bins for every n up to 300 and every B: sizes differ by
	// at most one and are non-decreasing in position.
	for bins := 2; bins <= 10; bins++ {
		for n := bins; n <= 300; n++ {
			counts := make([]int, bins)
			prev := 1
			for pos := range n {
				s := rankScore(pos, n, bins)
				if s < prev || s > bins {
					t.Fatalf("B %d n %d pos %d: score %d after %d", bins, n, pos, s, prev)
				}
				prev = s
				counts[s-1]++
			}
			if slices.Max(counts)-slices.Min(counts) > 1 {
				t.Fatalf("B %d n %d: sizes %v", bins, n, counts)
			}
		}
	}
}

func TestScorerJSON(t *testing.T) {
	for _, opts := range []*ScorerSettings{nil, {Ties: TiesByRank, Bins: 7}, {Bins: 3, RecencyBreaks: []float64{30, 90}}} {
		s := check.Must(FitScorer(randomValues(rand.New(rand.NewPCG(3, 4)), 500), opts))
		data := check.Must(json.Marshal(s))
		if !strings.HasPrefix(string(data), `{"format":"cvm.segment.scorer","version":2,"card":{"library":"`+cvm.Version+`","customers":500,`) {
			t.Errorf("envelope: %.120s", data)
		}
		var back Scorer
		check.NoErr(t, json.Unmarshal(data, &back))
		if diff := cmp.Diff(back, *s, cmp.AllowUnexported(Scorer{})); diff != "" {
			t.Errorf("round trip (-got +want):\n%s", diff)
		}
	}
}

// TestScorerCard checks the card of a fitted scorer against figures
// computed here: the count, each dimension's range and breaks; shuffling
// the customers gives the same fingerprint; NewScorer has no card.
func TestScorerCard(t *testing.T) {
	values := randomValues(rand.New(rand.NewPCG(5, 6)), 300)
	s := check.Must(FitScorer(values, nil))
	card := s.Card()
	if card == nil || card.Customers != 300 || card.Library != cvm.Version {
		t.Fatalf("card %+v", card)
	}
	figs := []float64{300, 5}
	for d, get := range []func(RFM) float64{
		func(v RFM) float64 { return v.Recency },
		func(v RFM) float64 { return v.Frequency },
		func(v RFM) float64 { return v.Monetary },
	} {
		lo, hi := get(values[0]), get(values[0])
		for _, v := range values {
			lo, hi = math.Min(lo, get(v)), math.Max(hi, get(v))
		}
		figs = append(figs, lo, hi)
		figs = append(figs, s.dim(d).Breaks...)
	}
	if want := cvm.Fingerprint(figs...); card.Fingerprint != want {
		t.Errorf("fingerprint %s, want %s", card.Fingerprint, want)
	}
	shuffled := slices.Clone(values)
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if got := check.Must(FitScorer(shuffled, nil)).Card().Fingerprint; got != card.Fingerprint {
		t.Errorf("shuffled fingerprint %s, want %s", got, card.Fingerprint)
	}
	card.Customers = 1 // a copy: the scorer's card is unchanged
	if s.Card().Customers != 300 {
		t.Error("Card returned the scorer's own card")
	}
	if c := check.Must(NewScorer(3, []float64{1, 2}, []float64{1, 2}, []float64{1, 2})).Card(); c != nil {
		t.Errorf("NewScorer card %+v, want nil", c)
	}
}

// TestScorerJSONBad is the table of bad scorer files: each is an error
// naming its cause, and the target is left unchanged.
func TestScorerJSONBad(t *testing.T) {
	head := `{"format":"cvm.segment.scorer","version":2,`
	fixed3 := `"recency":{"method":"fixed","breaks":[1,2]},"frequency":{"method":"fixed","breaks":[1,2]},"monetary":{"method":"fixed","breaks":[1,2]}}`
	tests := []struct{ name, in, want string }{
		{"version 1 file", `{"version":1,"bins":3,"ties":"values",` + fixed3, `no "format" field`},
		{"other version", `{"format":"cvm.segment.scorer","version":1,"bins":3,` + fixed3, "version 1, want version 2"},
		{"other format", `{"format":"cvm.segment.kmeans","version":2,"bins":3,` + fixed3, `"cvm.segment.kmeans"`},
		{"bins 11", head + `"bins":11,"ties":"values"}`, "bins"},
		{"bins huge", head + `"bins":4611686018427387904,` + fixed3, "bins"},
		{"unknown ties", head + `"bins":3,"ties":"odd",` + fixed3, `unknown tie policy "odd"`},
		{"unknown method", head + `"bins":3,"recency":{"method":"magic","breaks":[1,2]},"frequency":{"method":"fixed","breaks":[1,2]},"monetary":{"method":"fixed","breaks":[1,2]}}`, `unknown method "magic"`},
		{"reversed", head + `"bins":3,"recency":{"method":"fixed","breaks":[2,1]},"frequency":{"method":"fixed","breaks":[1,2]},"monetary":{"method":"fixed","breaks":[1,2]}}`, "recency breaks"},
		{"too few breaks", head + `"bins":3,"recency":{"method":"quantile-type7","breaks":[1]},"frequency":{"method":"fixed","breaks":[1,2]},"monetary":{"method":"fixed","breaks":[1,2]}}`, "1 breaks for 3 bins"},
		{"fixed ties", head + `"bins":3,"recency":{"method":"fixed","breaks":[1,1]},"frequency":{"method":"fixed","breaks":[1,2]},"monetary":{"method":"fixed","breaks":[1,2]}}`, "not greater"},
		{"unknown field", head + `"bins":3,"colour":1,` + fixed3, `unknown field "colour"`},
		{"unknown binning field", head + `"bins":3,"recency":{"method":"fixed","breaks":[1,2],"x":0},"frequency":{"method":"fixed","breaks":[1,2]},"monetary":{"method":"fixed","breaks":[1,2]}}`, `unknown field "x"`},
		{"unknown card field", head + `"card":{"oops":1},"bins":3,` + fixed3, `unknown field "oops"`},
		{"negative customers", head + `"card":{"customers":-1},"bins":3,` + fixed3, "customers"},
		{"trailing", head + `"bins":3,` + fixed3 + `]]]`, "invalid character"},
		{"array", `[1,2]`, "cannot unmarshal array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := *check.Must(NewScorer(2, []float64{1}, []float64{1}, []float64{1}))
			before := s
			err := json.Unmarshal([]byte(tt.in), &s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if diff := cmp.Diff(s, before, cmp.AllowUnexported(Scorer{})); diff != "" {
				t.Errorf("a failed decode changed the target:\n%s", diff)
			}
		})
	}
}

func FuzzScorerJSON(f *testing.F) {
	f.Add(check.Must(json.Marshal(check.Must(FitScorer(goldenValues, nil)))))
	f.Add([]byte(`{"format":"cvm.segment.scorer","version":2,"bins":2,"ties":"rank","recency":{"method":"rank","breaks":[1]},"frequency":{"method":"rank","breaks":[1]},"monetary":{"method":"rank","breaks":[-1e308]}}`))
	f.Add([]byte(`{"format":"cvm.segment.scorer","version":2,"bins":4611686018427387904,"ties":"rank"}`))
	f.Add([]byte(`{"format":"cvm.segment.scorer","version":2,"card":{"customers":-1,"quality":{"x":1e308}},"bins":2,"recency":{"method":"fixed","breaks":[1]},"frequency":{"method":"fixed","breaks":[1]},"monetary":{"method":"fixed","breaks":[1]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Scorer
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		c, err := s.Score(1, 2, 3)
		if err != nil || c.R < 1 || c.R > s.Bins() || c.F < 1 || c.F > s.Bins() || c.M < 1 || c.M > s.Bins() {
			t.Fatalf("decoded scorer gives %v, %v", c, err)
		}
		out, err := json.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		var back Scorer
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
	})
}

func TestRankOrderIndependent(t *testing.T) {
	// The rank policy breaks ties by customer ID, so shuffling the input
	// only shuffles the cells.
	want, _, err := Score(nil, goldenValues, &ScorerSettings{Ties: TiesByRank})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		perm := rng.Perm(len(goldenValues))
		shuffled := make([]RFM, len(perm))
		for i, p := range perm {
			shuffled[i] = goldenValues[p]
		}
		got, _, err := Score(nil, shuffled, &ScorerSettings{Ties: TiesByRank})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range perm {
			if got[i] != want[p] {
				t.Fatalf("customer %s: %v after shuffling, %v before", shuffled[i].Customer, got[i], want[p])
			}
		}
	}
}
