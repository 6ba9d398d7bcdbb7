package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// fuzzEncodings are the real encodings the profile fuzz targets start
// from: a customer file of synthetic data (clusters, CLV models,
// histories, a CRM indicator) cut to two profiles, so that the seeds
// stay small, its models, the models of a retail-indicator fit, and the
// parts (per-customer views) of one customer with items and a history
// and of the returns-only customer.
type fuzzEncodings struct {
	file, models, retailModels, part, returnsPart []byte
	f                                             *File
}

func newFuzzEncodings(tb testing.TB) fuzzEncodings {
	tb.Helper()
	ctx := context.Background()
	txs := partsData(20, true)
	attrs := []Attributes{{Customer: txs[0].Customer, Indicators: map[string]float64{"credit_rating": 7}}}
	f := check.Must(Build(ctx, slices.Values(txs), attrs, &Settings{Indicators: SummaryIndicators, Reasons: 2, History: true}))
	if f.Models.Clusters == nil || f.Models.Purchases == nil {
		tb.Fatal("the seed file has no clusters or no CLV models")
	}
	small := *f
	small.Profiles = f.Profiles[:2]
	retail := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{Indicators: RetailIndicators}))
	first := txs[0].Time
	for _, t := range txs {
		if t.Time.Before(first) {
			first = t.Time
		}
	}
	parts := check.Must(Parts(ctx, slices.Values(txs), first, &Settings{AsOf: f.AsOf, Indicators: RetailIndicators, History: true}))
	// The smallest part with products, retail figures and a history:
	// small seeds keep the fuzzer fast (the minimizer runs the target many
	// times on every new input derived from a seed).
	best, ret := -1, -1
	size := func(i int) int { return len(check.Must(json.Marshal(&parts[i]))) }
	for i := range parts {
		p := &parts[i]
		if p.ReturnsOnly {
			ret = i
		}
		if len(p.Profile.Products) > 0 && p.Retail != nil && len(p.Profile.History) > 1 && (best < 0 || size(i) < size(best)) {
			best = i
		}
	}
	if best < 0 || ret < 0 {
		tb.Fatal("no seed part with items and a history, or no returns-only part")
	}
	enc := fuzzEncodings{
		file:         check.Must(json.Marshal(&small)),
		models:       check.Must(json.Marshal(f.Models)),
		retailModels: check.Must(json.Marshal(retail.Models)),
		part:         check.Must(json.Marshal(&parts[best])),
		returnsPart:  check.Must(json.Marshal(&parts[ret])),
		f:            f,
	}
	// The real encodings decode: the round trip is checked on them.
	check.NoErr(tb, new(File).UnmarshalJSON(enc.file))
	check.NoErr(tb, new(Models).UnmarshalJSON(enc.models))
	check.NoErr(tb, new(Models).UnmarshalJSON(enc.retailModels))
	check.NoErr(tb, new(Part).UnmarshalJSON(enc.part))
	check.NoErr(tb, new(Part).UnmarshalJSON(enc.returnsPart))
	return enc
}

// sub returns b with the first match of the regular expression re
// replaced by repl ($1 expands); a seed whose pattern does not match is
// a bug in the test.
func sub(tb testing.TB, b []byte, re, repl string) []byte {
	tb.Helper()
	rx := regexp.MustCompile(re)
	loc := rx.FindSubmatchIndex(b)
	if loc == nil {
		tb.Fatalf("seed pattern %q matches nothing", re)
	}
	out := append([]byte(nil), b[:loc[0]]...)
	out = rx.Expand(out, []byte(repl), b, loc)
	return append(out, b[loc[1]:]...)
}

// nested is depth opening brackets followed by as many closing ones.
func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// addHostile adds the seeds every profile decoder must reject or round
// trip whatever its format: good (a real encoding) truncated, with
// trailing data, another format or version, an unknown or repeated
// field, NaN-like strings and huge numbers, deep nesting and a very long
// string; and the JSON values that are not objects.
func addHostile(f *testing.F, good []byte, format string) {
	for _, b := range [][]byte{
		good[:len(good)/2],
		good[:1],
		good[:len(good)-1],
		append(bytes.Clone(good), '}'),
		append(bytes.Clone(good), "]]]"...),
		append(bytes.Clone(good), " {}"...),
		append(bytes.Clone(good), " null"...),
		sub(f, good, `"version":1`, `"version":2`),
		sub(f, good, `"version":1`, `"version":"1"`),
		sub(f, good, `"version":1`, `"version":1e308`),
		sub(f, good, `"format":"[a-z.]+"`, `"format":"cvm.profile.part"`),
		sub(f, good, `"format":"[a-z.]+"`, `"format":"`+strings.ToUpper(format)+`"`),
		sub(f, good, `"format":"[a-z.]+"`, `"format":null`),
		sub(f, good, `"format":"[a-z.]+",`, ``),
		sub(f, good, `"format":"[a-z.]+"`, `"format":"x","format":"`+format+`"`),
		sub(f, good, `"format":"[a-z.]+"`, `"format":"`+format+`","colour":1`),
		sub(f, good, `"format":"[a-z.]+"`, `"format":"`+format+`","as_of":"NaN"`),
		sub(f, good, `"format":"[a-z.]+"`, `"format":"`+format+`","notes":`+nested(64)),
		sub(f, good, `"as_of":"[^"]*"`, `"as_of":"+Inf"`),
		sub(f, good, `"as_of":"[^"]*"`, `"as_of":"0000-01-01T00:00:00Z"`),
		sub(f, good, `"as_of":"[^"]*"`, `"as_of":"9999-12-31T23:59:59.999999999-23:59"`),
		[]byte(`{"format":"` + format + `","version":1,"as_of":` + nested(10001) + `}`),
		[]byte(`{"format":"` + strings.Repeat("x", 1<<13) + `","version":1}`),
		[]byte(`{"format":"` + format + `","version":1}`),
		[]byte(`{"format":"` + format + `","version":1,"profiles":null,"models":null}`),
		[]byte(`{"format":"` + format + `","version":-1}`),
		[]byte(`{}`),
		[]byte(`null`),
		[]byte(`[]`),
		[]byte(`""`),
		[]byte(`"NaN"`),
		[]byte(`1e308`),
		[]byte(`-1`),
		[]byte(`true`),
		[]byte(``),
		[]byte(nested(10001)),
		[]byte("\xef\xbb\xbf{}"),
	} {
		f.Add(b)
	}
}

// fuzzLimit is the largest input the profile fuzz targets decode: the
// work per input stays bounded.
const fuzzLimit = 1 << 20

// roundTrip checks the property of every profile decoder: decoding data
// into a new value never panics and, on error, leaves it as it was (the
// zero value); when it succeeds, data was valid JSON (no trailing data),
// valid (the decoder's own checks, when given) and re-encodes to JSON
// that decodes again and re-encodes byte for byte the same.
func roundTrip[T any, P interface {
	*T
	json.Unmarshaler
}](t *testing.T, data []byte, valid func(*T) error) {
	t.Helper()
	v := P(new(T))
	if err := v.UnmarshalJSON(data); err != nil {
		if !reflect.ValueOf(v).Elem().IsZero() {
			t.Fatalf("a failed decode changed the target: %v", err)
		}
		return
	}
	if !json.Valid(data) {
		t.Fatalf("accepted invalid JSON (trailing data?): %q", data)
	}
	if valid != nil {
		if err := valid(v); err != nil {
			t.Fatalf("decoded %s: %v", data, err)
		}
	}
	b1, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("re-encode: %v\n%s", err, data)
	}
	w := P(new(T))
	if err := w.UnmarshalJSON(b1); err != nil {
		t.Fatalf("decode of the re-encoding: %v\n%s", err, b1)
	}
	b2, err := json.Marshal(w)
	if err != nil {
		t.Fatalf("re-encode of the re-decoded value: %v", err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("round trip not stable:\n%s\n%s", b1, b2)
	}
}

// validModels checks what Models.UnmarshalJSON promises to reject.
func validModels(m *Models) error {
	switch {
	case m.RFM == nil || m.Rules == nil || m.Value == nil:
		return fmt.Errorf("no rfm, rules or value model")
	case (m.Purchases == nil) != (m.Spend == nil):
		return fmt.Errorf("purchases without spend or spend without purchases")
	case m.Clusters != nil && (m.Clusters.Scale == nil || m.Clusters.Model == nil):
		return fmt.Errorf("clusters without a scale or a model")
	case m.Customers < 0 || m.CLVMonths < 0:
		return fmt.Errorf("customers %d, clv_months %d", m.Customers, m.CLVMonths)
	}
	return m.Lifecycle.Validate()
}

// validFile checks what File.UnmarshalJSON promises: models, profiles in
// strictly increasing customer order, a rebuilt recovery book.
func validFile(f *File) error {
	if f.Models == nil || f.Book == nil {
		return fmt.Errorf("no models or no recovery book")
	}
	for i := 1; i < len(f.Profiles); i++ {
		if f.Profiles[i-1].Customer >= f.Profiles[i].Customer {
			return fmt.Errorf("profile %d (%q) out of customer order", i, f.Profiles[i].Customer)
		}
	}
	return validModels(f.Models)
}

// FuzzModelsJSON: Models.UnmarshalJSON never panics, rejects what its
// documentation says, and whatever it accepts round-trips stably.
func FuzzModelsJSON(f *testing.F) {
	enc := newFuzzEncodings(f)
	f.Add(enc.models)
	f.Add(enc.retailModels)
	m := *enc.f.Models
	m.Spend = nil // purchases without spend
	f.Add(check.Must(json.Marshal(&m)))
	m = *enc.f.Models
	m.Clusters = &Clusters{Scale: m.Clusters.Scale} // clusters without a model
	f.Add(check.Must(json.Marshal(&m)))
	m = *enc.f.Models
	m.Clusters, m.Purchases, m.Spend, m.Card = nil, nil, nil, nil // the optional parts left out
	f.Add(check.Must(json.Marshal(&m)))
	addHostile(f, enc.models, ModelsFormat)
	const top, repl = `\},"as_of":"([^"]*)","customers":`, `},"as_of":"${1}","customers":`
	for _, b := range [][]byte{
		// The top-level customers (after the card and as_of), then the
		// card's.
		sub(f, enc.models, top+`\d+`, repl+`1e308`),
		sub(f, enc.models, top+`\d+`, repl+`-1`),
		sub(f, enc.models, top+`\d+`, repl+`9223372036854775808`),
		sub(f, enc.models, top+`\d+`, repl+`"NaN"`),
		sub(f, enc.models, top+`\d+`, repl+`1,"customers":2`),
		sub(f, enc.models, top+`\d+`, `},"as_of":"${1}","Customers":3`),
		sub(f, enc.models, top+`\d+`, repl+`3,"clv_months":-1`),
		sub(f, enc.models, top+`\d+`, repl+`3,"clv_months":1e308`),
		sub(f, enc.models, `"customers":\d+`, `"customers":-1`),
		sub(f, enc.models, `"customers":\d+`, `"customers":1e308`),
		sub(f, enc.models, `"rfm":\{`, `"rfm":null,"x":{`),
		sub(f, enc.models, `"rfm":`, `"rfm":null,"rfm":`),
		sub(f, enc.models, `"rules":`, `"rules":null,"rule":`),
		sub(f, enc.models, `"value":\{`, `"value":null,"x":{`),
		sub(f, enc.models, `"indicators":\d+`, `"indicators":-1`),
		sub(f, enc.models, `"indicators":\d+`, `"indicators":1e308`),
		sub(f, enc.models, `"indicators":\d+`, `"indicators":"retail"`),
		sub(f, enc.models, `"lifecycle":\{`, `"lifecycle":{"decline_drop":1.5,`),
		sub(f, enc.models, `"lifecycle":\{`, `"lifecycle":{"end_recency":1e999,`),
		sub(f, enc.models, `"recovery":\{`, `"recovery":{"tier_speed":[1],`),
		sub(f, enc.models, `"recovery":\{`, `"recovery":{"loyalty_buffer":-2147483648,`),
		sub(f, enc.models, `"(mean|centers)":\[`, `"$1":[1e308,"NaN",`),
		sub(f, enc.models, `"d":3`, `"d":2`),
		sub(f, enc.models, `"k":\d+`, `"k":1000000000`),
		sub(f, enc.models, `"r":[0-9.e-]+`, `"r":-1`),
		sub(f, enc.models, `"library":"[^"]*"`, `"library":"`+strings.Repeat("\\u0000", 1<<11)+`"`),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzLimit {
			return
		}
		roundTrip[Models](t, data, validModels)
	})
}

// FuzzFileJSON: File.UnmarshalJSON never panics, rejects profiles out of
// order and a file without models, and whatever it accepts (its recovery
// book rebuilt) round-trips stably.
func FuzzFileJSON(f *testing.F) {
	enc := newFuzzEncodings(f)
	f.Add(enc.file)
	ps := enc.f.Profiles
	cut := func(profiles ...Profile) []byte {
		g := *enc.f
		g.Profiles = profiles
		return check.Must(json.Marshal(&g))
	}
	f.Add(cut())                    // no profiles
	f.Add(cut(ps[1], ps[0]))        // out of order
	f.Add(cut(ps[0], ps[0]))        // repeated
	f.Add(cut(ps[0], ps[2], ps[1])) // out of order after the first
	empty := ps[0]
	empty.Customer = ""
	f.Add(cut(empty, empty)) // two empty customers
	f.Add(cut(empty))        // one
	long := ps[0]
	long.Customer = strings.Repeat("\u00e9", 1<<12)
	f.Add(cut(long))
	crm := ps[0]
	crm.Attributes.Indicators = map[string]float64{"colour": 1} // not in the catalog
	f.Add(cut(crm))
	crm.Attributes.Indicators = map[string]float64{"revenue": 1} // from the transactions
	f.Add(cut(crm))
	addHostile(f, enc.file, FileFormat)
	for _, b := range [][]byte{
		sub(f, enc.file, `"models":\{`, `"models":null,"x":{`),
		sub(f, enc.file, `"models":\{"format":"cvm.profile.models","version":1`, `"models":{"format":"cvm.profile.models","version":2`),
		sub(f, enc.file, `"profiles":\[`, `"profiles":[{},`),
		sub(f, enc.file, `"profiles":\[`, `"profiles":null,"profiles":[`),
		sub(f, enc.file, `"profiles":\[.*\]\}$`, `"profiles":[]}`),
		sub(f, enc.file, `"profiles":\[.*\]\}$`, `"profiles":[`+nested(200)+`]}`),
		sub(f, enc.file, `"profiles":\[.*\]\}$`, `"profiles":{}}`),
		sub(f, enc.file, `"customer":"[^"]*"`, `"customer":""`),
		sub(f, enc.file, `"customer":"[^"]*"`, `"customer":"\ud800"`),
		sub(f, enc.file, `"customer":"[^"]*"`, "\"customer\":\"\x00\xff\""),
		sub(f, enc.file, `"Occasions":\d+`, `"Occasions":1e308`),
		sub(f, enc.file, `"Occasions":\d+`, `"Occasions":-1`),
		sub(f, enc.file, `"Total":[0-9.e-]+`, `"Total":1e308`),
		sub(f, enc.file, `"Total":[0-9.e-]+`, `"Total":"NaN"`),
		sub(f, enc.file, `"Total":[0-9.e-]+`, `"Total":-1e308`),
		sub(f, enc.file, `"First":"[^"]*"`, `"First":"NaN"`),
		sub(f, enc.file, `"cluster":\d+`, `"cluster":-1`),
		sub(f, enc.file, `"cluster":\d+`, `"cluster":1e308`),
		sub(f, enc.file, `"flags":[^,}]+`, `"flags":-1`),
		sub(f, enc.file, `"flags":[^,}]+`, `"flags":["no_such_flag"]`),
		sub(f, enc.file, `"Quadrant":"[^"]*"`, `"Quadrant":"V"`),
		sub(f, enc.file, `"Tier":[^,}]+`, `"Tier":-1`),
		sub(f, enc.file, `"Strength":[^,}]+`, `"Strength":1e308`),
		sub(f, enc.file, `"Strength":[^,}]+`, `"Strength":-1`),
		sub(f, enc.file, `"GrossProfit":[^,}]+`, `"GrossProfit":1e308`),
		sub(f, enc.file, `"stage":"[a-z]+"`, `"stage":"NaN"`),
		sub(f, enc.file, `"volumes":\[`, `"volumes":[1e308,`),
		sub(f, enc.file, `"refit":\{`, `"refit":{"age":-1,"share":1e308,`),
		sub(f, enc.file, `"attributes":\{`, `"attributes":{"indicators":{"credit_rating":1e308},`),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzLimit {
			return
		}
		roundTrip[File](t, data, validFile)
	})
}

// FuzzPartJSON: Part.UnmarshalJSON never panics, rejects unknown fields
// and trailing data, and whatever it accepts round-trips stably.
func FuzzPartJSON(f *testing.F) {
	enc := newFuzzEncodings(f)
	f.Add(enc.part)
	f.Add(enc.returnsPart)
	f.Add(check.Must(json.Marshal(&Part{})))
	long := Part{Profile: Profile{Customer: strings.Repeat("x", 1<<13), Products: []string{strings.Repeat("p", 1<<12)}}}
	f.Add(check.Must(json.Marshal(&long)))
	good := enc.part
	for _, b := range [][]byte{
		good[:len(good)/2],
		good[:len(good)-1],
		// A closing bracket after the part was accepted as the end of
		// the input (json.Decoder.More is false before '}' and ']'):
		// found by these seeds, now trailing data.
		append(bytes.Clone(good), '}'),
		append(bytes.Clone(good), ']'),
		append(bytes.Clone(good), "]]]"...),
		append(bytes.Clone(good), " {}"...),
		append(bytes.Clone(good), " null"...),
		append(bytes.Clone(good), ","...),
		append(bytes.Clone(good), " x"...),
		sub(f, good, `"customer":"[^"]*"`, `"customer":"a","customer":"b"`),
		sub(f, good, `"customer":"[^"]*"`, `"customer":null`),
		sub(f, good, `"customer":"[^"]*"`, `"Customer":"c"`),
		sub(f, good, `"customer":"[^"]*"`, `"customer":"c","cluster":1`),
		sub(f, good, `"customer":"[^"]*"`, `"customer":"c","value":{}`),
		sub(f, good, `"first_day":-?\d+`, `"first_day":1e308`),
		sub(f, good, `"first_day":-?\d+`, `"first_day":-1`),
		sub(f, good, `"first_day":-?\d+`, `"first_day":9223372036854775808`),
		sub(f, good, `"first_day":-?\d+`, `"first_day":"NaN"`),
		sub(f, good, `"units":[0-9.e-]+`, `"units":1e308`),
		sub(f, good, `"units":[0-9.e-]+`, `"units":"NaN"`),
		sub(f, good, `"units":[0-9.e-]+`, `"units":1e400`),
		sub(f, good, `"repeat_spend":[0-9.e-]+`, `"repeat_spend":-1`),
		sub(f, good, `"Occasions":\d+`, `"Occasions":-1`),
		sub(f, good, `"products":\[`, `"products":[null,`),
		sub(f, good, `"products":\[`, `"products":[`+nested(100)+`,`),
		sub(f, good, `"history":\[`, `"history":[{},`),
		sub(f, good, `"history":\[`, `"history":[null,`),
		sub(f, good, `"lifecycle":\{`, `"lifecycle":{"stage":"decline",`),
		sub(f, good, `"lifecycle":\{"format":"[a-z.]+"`, `"lifecycle":{"format":"cvm.lifecycle.transition"`),
		sub(f, good, `"retail":\{`, `"retail":null,"x":{`),
		sub(f, enc.returnsPart, `"returns_only":true`, `"returns_only":1`),
		sub(f, enc.returnsPart, `"returns_only":true`, `"returns_only":true,"returns_only":false`),
		[]byte(`{"customer":"` + strings.Repeat("\\ud800", 1<<10) + `"}`),
		[]byte(`{"summary":` + nested(10001) + `}`),
		[]byte(`{"returns_only":"true"}`),
		[]byte(`{"first_day":1e308}`),
		[]byte(`{"format":"cvm.profile.part","version":1}`),
		[]byte(`{}`),
		[]byte(`{} {}`),
		[]byte(`{}]`),
		[]byte(`null`),
		[]byte(`[]`),
		[]byte(`""`),
		[]byte(`1e308`),
		[]byte(``),
		[]byte(" \t\n{}\n"),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzLimit {
			return
		}
		roundTrip[Part](t, data, nil)
	})
}
