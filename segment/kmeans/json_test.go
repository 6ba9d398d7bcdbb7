package kmeans

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

// TestModelJSON checks an exact round trip, card included, and the
// envelope's first fields.
func TestModelJSON(t *testing.T) {
	x := blobs(300, 3, 4, 6)
	m := fit(t, x, 3, 4, nil, &Settings{Seed: 1})
	b := check.Must(json.Marshal(m))
	if !strings.HasPrefix(string(b), `{"format":"cvm.segment.kmeans","version":2,"card":{"library":"`+cvm.Version+`","customers":300,`) {
		t.Errorf("envelope: %.100s", b)
	}
	var back Model
	check.NoErr(t, json.Unmarshal(b, &back))
	if !slices.Equal(back.Centers, m.Centers) || back.Inertia != m.Inertia || !slices.Equal(back.Labels, m.Labels) ||
		!slices.Equal(back.Sizes, m.Sizes) || !slices.Equal(back.Weights, m.Weights) || back.Algorithm != m.Algorithm ||
		back.Iterations != m.Iterations || back.Converged != m.Converged || back.K != m.K || back.D != m.D ||
		back.Card == nil || back.Card.Fingerprint != m.Card.Fingerprint || back.Card.Quality["inertia"] != m.Inertia {
		t.Errorf("round trip differs:\n%+v\n%+v", back, *m)
	}
}

// TestModelCard checks the card of a fit against figures computed here by
// plain loops: rows, the fingerprint of n, d, the rows of positive weight
// and each column's smallest and largest value, which shuffled rows
// share, and the inertia and iteration count.
func TestModelCard(t *testing.T) {
	const n, d = 3000, 3
	x := blobs(n, d, 4, 6)
	w := make([]float64, n)
	for i := range w {
		w[i] = float64(i % 3) // a third of the rows have weight 0
	}
	m := fit(t, x, d, 4, w, &Settings{Seed: 1})
	lo, hi := slices.Clone(x[:d]), slices.Clone(x[:d])
	for i := range n {
		for c := range d {
			lo[c], hi[c] = math.Min(lo[c], x[i*d+c]), math.Max(hi[c], x[i*d+c])
		}
	}
	for c := range d {
		lo[c], hi[c] = lo[c]+0, hi[c]+0 // no -0
	}
	figs := append(append([]float64{n, d, 2000}, lo...), hi...)
	if m.Card == nil || m.Card.Customers != n || m.Card.Library != cvm.Version {
		t.Fatalf("card %+v", m.Card)
	}
	if want := cvm.Fingerprint(figs...); m.Card.Fingerprint != want {
		t.Errorf("fingerprint %s, want %s", m.Card.Fingerprint, want)
	}
	if m.Card.Quality["inertia"] != m.Inertia || m.Card.Quality["iterations"] != float64(m.Iterations) {
		t.Errorf("quality %v, want inertia %v iterations %d", m.Card.Quality, m.Inertia, m.Iterations)
	}
	// Reversed rows: another fit, the same data, the same fingerprint.
	xr, wr := make([]float64, len(x)), slices.Clone(w)
	for i := range n {
		copy(xr[i*d:i*d+d], x[(n-1-i)*d:(n-i)*d])
	}
	slices.Reverse(wr)
	if r := fit(t, xr, d, 4, wr, &Settings{Seed: 1}); r.Card.Fingerprint != m.Card.Fingerprint {
		t.Errorf("reversed rows: fingerprint %s, want %s", r.Card.Fingerprint, m.Card.Fingerprint)
	}
}

// modelHead and modelBody make a valid one-centre model file.
const (
	modelHead = `{"format":"cvm.segment.kmeans","version":2,`
	modelBody = `"algorithm":"lloyd","centers":[[1]],"sizes":[1],"weights":[1]`
)

// badModels are the bad k-means model files of the decoder's table and
// the fuzz seeds: declared sizes larger than the data (the first two
// killed the process before: a fatal out-of-memory allocating k*d = 1e10
// values, and a makeslice panic for k*d = 2^62), shapes, ranges, unknown
// fields and trailing data.
var badModels = []struct{ name, in, want string }{
	{"d = 1e10, one value (was a fatal out-of-memory)", modelHead + `"k":1,"d":10000000000,` + modelBody + `}`, "centre 0 has 1 values, want d = 10000000000"},
	{"d = 2^62, one value (was a makeslice panic)", modelHead + `"k":1,"d":4611686018427387904,` + modelBody + `}`, "centre 0 has 1 values, want d = 4611686018427387904"},
	{"k*d overflows int", modelHead + `"k":2,"d":4611686018427387904,"algorithm":"lloyd","centers":[[1],[2]],"sizes":[1,1],"weights":[1,1]}`, "centre 0 has 1 values"},
	{"k huge, one centre", modelHead + `"k":4611686018427387904,"d":1,` + modelBody + `}`, "k = 4611686018427387904 but 1 centres"},
	{"k = 0", modelHead + `"k":0,"d":1,"algorithm":"lloyd","centers":[],"sizes":[],"weights":[]}`, "k = 0 but 0 centres"},
	{"d = 0", modelHead + `"k":1,"d":0,"algorithm":"lloyd","centers":[[]],"sizes":[1],"weights":[1]}`, "d = 0"},
	{"d negative", modelHead + `"k":1,"d":-1,` + modelBody + `}`, "d = -1, want >= 1"},
	{"sizes short", modelHead + `"k":1,"d":1,"algorithm":"lloyd","centers":[[1]],"sizes":[],"weights":[1]}`, "1 but 0 sizes"},
	{"weights long", modelHead + `"k":1,"d":1,"algorithm":"lloyd","centers":[[1]],"sizes":[1],"weights":[1,2]}`, "1 but 2 weights"},
	{"negative size", modelHead + `"k":1,"d":1,"algorithm":"lloyd","centers":[[1]],"sizes":[-1],"weights":[1]}`, "size of cluster 0 = -1"},
	{"negative weight", modelHead + `"k":1,"d":1,"algorithm":"lloyd","centers":[[1]],"sizes":[1],"weights":[-1]}`, "weight of cluster 0 = -1"},
	{"negative inertia", modelHead + `"k":1,"d":1,"inertia":-1,` + modelBody + `}`, "inertia = -1"},
	{"negative iterations", modelHead + `"k":1,"d":1,"iterations":-3,` + modelBody + `}`, "iterations = -3"},
	{"label out of range", modelHead + `"k":1,"d":1,"labels":[3],` + modelBody + `}`, "label 3 of row 0"},
	{"labels disagree with sizes", modelHead + `"k":1,"d":1,"labels":[0,0],` + modelBody + `}`, "size of cluster 0 = 1 but 2 labels"},
	{"unknown algorithm", modelHead + `"k":1,"d":1,"algorithm":"fast","centers":[[1]],"sizes":[1],"weights":[1]}`, `unknown algorithm "fast"`},
	{"auto is not fitted", modelHead + `"k":1,"d":1,"algorithm":"auto","centers":[[1]],"sizes":[1],"weights":[1]}`, `algorithm "auto" is not a fitted algorithm`},
	{"no algorithm", modelHead + `"k":1,"d":1,"centers":[[1]],"sizes":[1],"weights":[1]}`, `algorithm "auto"`},
	{"negative card customers", modelHead + `"card":{"customers":-5},"k":1,"d":1,` + modelBody + `}`, "card customers = -5"},
	{"unknown field", modelHead + `"k":1,"d":1,"kk":2,` + modelBody + `}`, `unknown field "kk"`},
	{"unknown card field", modelHead + `"card":{"colour":1},"k":1,"d":1,` + modelBody + `}`, `unknown field "colour"`},
	{"trailing brace", modelHead + `"k":1,"d":1,` + modelBody + `}}`, "invalid character"},
	{"old version", `{"format":"cvm.segment.kmeans","version":1,"k":1,"d":1,` + modelBody + `}`, "version 1, want version 2"},
	{"other format", `{"format":"cvm.segment.standardizer","version":2,"mean":[1],"scale":[1]}`, `"cvm.segment.standardizer" version 2, want "cvm.segment.kmeans"`},
	{"no format", `{"k":1}`, `no "format" field`},
	{"truncated", modelHead + `"k":1,"d":1,`, "unexpected end"},
}

// TestModelJSONBad checks that each bad file is an error naming its
// cause and leaves the target unchanged; a non-finite centre is a
// *FeatureError naming the centre and column.
func TestModelJSONBad(t *testing.T) {
	orig := fit(t, nine, 2, 3, nil, &Settings{Seed: 1})
	for _, tt := range badModels {
		t.Run(tt.name, func(t *testing.T) {
			m := *orig
			err := json.Unmarshal([]byte(tt.in), &m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if m.K != orig.K || !slices.Equal(m.Centers, orig.Centers) {
				t.Error("a failed decode changed the target")
			}
		})
	}
	var m Model
	err := json.Unmarshal([]byte(modelHead+`"k":2,"d":2,"algorithm":"lloyd","centers":[[1,2],[3,1e999]],"sizes":[1,1],"weights":[1,1]}`), &m)
	if err == nil {
		t.Fatal("1e999 centre: no error")
	}
}

// FuzzModelJSON checks that decoding never panics nor allocates beyond
// the input, and that whatever decodes re-encodes to the same model.
func FuzzModelJSON(f *testing.F) {
	f.Add(check.Must(json.Marshal(check.Must(Fit(context.Background(), nine, 2, 3, nil, &Settings{Seed: 1})))))
	f.Add([]byte(modelHead + `"k":1,"d":1,` + modelBody + `}`))
	for _, b := range badModels {
		f.Add([]byte(b.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Model
		if json.Unmarshal(data, &a) != nil {
			return
		}
		if len(a.Centers) != a.K*a.D || a.K > len(data) || a.D > len(data) {
			t.Fatalf("k = %d, d = %d, %d centre values from %d bytes", a.K, a.D, len(a.Centers), len(data))
		}
		b, err := json.Marshal(&a)
		if err != nil {
			t.Fatal(err)
		}
		var c Model
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !slices.Equal(a.Centers, c.Centers) || !slices.Equal(a.Labels, c.Labels) {
			t.Fatal("round trip differs")
		}
	})
}

// TestStandardizerJSON checks an exact round trip and the table of bad
// files.
func TestStandardizerJSON(t *testing.T) {
	s := check.Must(FitStandardizer([]float64{1, 10, 2, 10, 3, 40}, 2, nil))
	b := check.Must(json.Marshal(s))
	if !strings.HasPrefix(string(b), `{"format":"cvm.segment.standardizer","version":2,"card":{"library":"`+cvm.Version+`","customers":3}`) {
		t.Errorf("envelope: %s", b)
	}
	var back Standardizer
	check.NoErr(t, json.Unmarshal(b, &back))
	if !slices.Equal(back.Mean, s.Mean) || !slices.Equal(back.Scale, s.Scale) || back.Card == nil || back.Card.Customers != 3 {
		t.Errorf("round trip: %+v", back)
	}
	head := `{"format":"cvm.segment.standardizer","version":2,`
	for _, tt := range []struct{ name, in, want string }{
		{"old version", `{"format":"cvm.segment.standardizer","version":1,"mean":[1],"scale":[1]}`, "version 1, want version 2"},
		{"zero scale", head + `"mean":[1],"scale":[0]}`, "column 0: mean 1 scale 0"},
		{"negative scale", head + `"mean":[1],"scale":[-2]}`, "column 0"},
		{"mismatched", head + `"mean":[1,2],"scale":[1]}`, "2 means and 1 scales"},
		{"empty", head + `"mean":[],"scale":[]}`, "0 means and 0 scales"},
		{"unknown field", head + `"mean":[1],"scale":[1],"center":[0]}`, `unknown field "center"`},
		{"negative card customers", head + `"card":{"customers":-1},"mean":[1],"scale":[1]}`, "card customers = -1"},
		{"trailing", head + `"mean":[1],"scale":[1]}]]]`, "invalid character"},
		{"truncated", `{`, "unexpected end"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := *s
			err := json.Unmarshal([]byte(tt.in), &got)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !slices.Equal(got.Mean, s.Mean) {
				t.Error("a failed decode changed the target")
			}
		})
	}
	var fe *cvm.FormatError
	if err := json.Unmarshal([]byte(`{"format":"cvm.segment.kmeans","version":2}`), &back); !errors.As(err, &fe) {
		t.Errorf("other format: error %v, want a *cvm.FormatError", err)
	}
}

// FuzzStandardizerJSON checks that decoding never panics and that a decoded
// standardizer inverts its own transform without NaN.
func FuzzStandardizerJSON(f *testing.F) {
	f.Add([]byte(`{"format":"cvm.segment.standardizer","version":2,"mean":[1,2],"scale":[3,4]}`))
	f.Add([]byte(`{"format":"cvm.segment.standardizer","version":2,"mean":[1e308],"scale":[1e-308]}`))
	f.Add([]byte(`{"format":"cvm.segment.standardizer","version":2,"card":{"customers":-1},"mean":[1],"scale":[1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Standardizer
		if json.Unmarshal(data, &s) != nil {
			return
		}
		x := make([]float64, len(s.Mean))
		for i := range x {
			x[i] = float64(i)
		}
		back := s.Inverse(nil, s.Transform(nil, x))
		for i := range x {
			if math.IsNaN(back[i]) {
				t.Fatalf("NaN after round trip: %+v", s)
			}
		}
	})
}
