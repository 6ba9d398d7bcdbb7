package cvmbeam

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/profile"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*CRow)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*ProfileSettings)(nil)).Elem())
	register.DoFn2x2[string, Row, int, CRow](&batchFn{})
	register.DoFn5x1[context.Context, int, func(*CRow) bool, Cut, func([]byte), error](&partsFn{})
	register.Iter1[CRow]()
	register.Emitter1[[]byte]()
	register.DoFn5x1[context.Context, []byte, func(*[]byte) bool, Cut, func([]byte), error](&fitFn{})
	register.Iter1[[]byte]()
	register.DoFn4x1[context.Context, []byte, []byte, func(Line), error](&scoreFn{})
	register.Emitter1[Line]()
}

// CRow is a Row with its customer, as grouped into batches.
type CRow struct {
	Customer string
	Row      Row
}

// ProfileSettings are the settings of the profile pipeline, each with
// profile.Settings' meaning and zero value.
type ProfileSettings struct {
	// Indicators is "retail" (or empty) or "summary".
	Indicators string
	// CLVMonths is the CLV horizon; 0 means 12.
	CLVMonths int
	// Reasons is the number of top value reasons a profile carries.
	Reasons int
	// Clusters is the number of k-means clusters on the log RFM values;
	// 0 chooses k by silhouette, -1 means none (profile.Settings.Clusters).
	Clusters int
	// Batches is the number of customer batches the per-customer stages
	// work on (each a unit of parallel work); 0 means 64.
	Batches int
}

func (p *ProfileSettings) settings(asOf time.Time) (*profile.Settings, error) {
	s := &profile.Settings{AsOf: asOf, CLVMonths: p.CLVMonths, Reasons: p.Reasons, Clusters: p.Clusters}
	if p.Indicators != "" {
		if err := s.Indicators.UnmarshalText([]byte(p.Indicators)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// batchFn assigns each customer to one of Batches batches by a hash of
// its ID.
type batchFn struct {
	Batches int
}

// ProcessElement keys the customer id's row r by its batch, the 64-bit
// FNV-1a hash of id (as hash/fnv's New64a, computed inline so that no
// row allocates) modulo Batches.
func (f *batchFn) ProcessElement(id string, r Row) (int, CRow) {
	h := uint64(14695981039346656037) // FNV-1a 64 offset basis
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211 // FNV-1a 64 prime
	}
	return int(h % uint64(f.Batches)), CRow{Customer: id, Row: r}
}

// partsFn computes one batch's profile.Parts from its customers'
// transactions in input order, and emits them as JSON.
type partsFn struct {
	Settings ProfileSettings
}

// ProcessElement emits the JSON of the parts of one batch's customers,
// whose rows iter yields, cut at the as-of of cut.
func (f *partsFn) ProcessElement(ctx context.Context, _ int, iter func(*CRow) bool, cut Cut, emit func([]byte)) error {
	var rows []CRow
	var r CRow
	for iter(&r) {
		rows = append(rows, r)
	}
	sortCRows(rows)
	s, err := f.Settings.settings(cut.AsOf())
	if err != nil {
		return err
	}
	txs := func(yield func(cvm.Transaction) bool) {
		for i := range rows {
			if !yield(rows[i].Row.Transaction(rows[i].Customer)) {
				return
			}
		}
	}
	parts, err := profile.Parts(ctx, txs, cut.First(), s)
	if err != nil || len(parts) == 0 {
		return err
	}
	b, err := json.Marshal(parts)
	if err != nil {
		return err
	}
	emit(b)
	return nil
}

func sortCRows(rows []CRow) {
	slices.SortFunc(rows, func(a, b CRow) int {
		if a.Row.Shard != b.Row.Shard {
			return compare(int64(a.Row.Shard), int64(b.Row.Shard))
		}
		return compare(a.Row.Seq, b.Row.Seq)
	})
}

// fitFn fits the models centrally on every batch's parts (a side input)
// and emits the population as JSON.
type fitFn struct {
	Settings ProfileSettings
}

// ProcessElement fits the population on the parts of every batch, the
// side input batches, and emits it as JSON.
func (f *fitFn) ProcessElement(ctx context.Context, _ []byte, batches func(*[]byte) bool, cut Cut, emit func([]byte)) error {
	var all []profile.Part
	var b []byte
	for batches(&b) {
		var parts []profile.Part
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		all = append(all, parts...)
	}
	s, err := f.Settings.settings(cut.AsOf())
	if err != nil {
		return err
	}
	pop, err := profile.FitParts(ctx, all, cut.First(), s)
	if err != nil {
		return err
	}
	out, err := json.Marshal(pop)
	if err != nil {
		return err
	}
	emit(out)
	return nil
}

// scoreFn scores one batch of parts with the population (a side input,
// decoded once per worker) and emits the profiles as cvm profile's CSV
// lines.
type scoreFn struct {
	Settings ProfileSettings

	once sync.Once
	pop  *profile.Population
	err  error
}

// ProcessElement scores the parts in batch with the population popJSON
// and emits one CSV line per customer.
func (f *scoreFn) ProcessElement(ctx context.Context, batch []byte, popJSON []byte, emit func(Line)) error {
	f.once.Do(func() {
		f.pop = new(profile.Population)
		f.err = json.Unmarshal(popJSON, f.pop)
	})
	if f.err != nil {
		return f.err
	}
	var parts []profile.Part
	if err := json.Unmarshal(batch, &parts); err != nil {
		return err
	}
	file, err := profile.ScoreParts(ctx, parts, f.pop, &profile.Settings{Reasons: f.Settings.Reasons})
	if err != nil {
		return err
	}
	for i := range file.Profiles {
		p := &file.Profiles[i]
		row := profile.AppendCSV(nil, p)
		emit(Line{Key: p.Customer, Text: string(row[:len(row)-1])}) // without the line end
	}
	return nil
}

// Profiles are the profile pipeline's results: the per-batch parts (JSON
// of []profile.Part), the population fitted on them (a singleton, JSON of
// profile.Population) and the profiles as cvm profile's CSV lines.
type Profiles struct {
	Parts, Population, Lines beam.PCollection
}

// BuildProfiles is profile.Build as a pipeline: the transactions grouped
// into batches of whole customers, each batch's profile.Parts in parallel
// (summaries, CLV inputs, lifecycle replay, retail indicators), the models
// fitted centrally with profile.FitParts on every part, and each batch
// scored in parallel with profile.ScoreParts. Every profile equals
// profile.Build's on the single stream of the files read one after the
// other.
func BuildProfiles(s beam.Scope, tx Transactions, ps ProfileSettings) Profiles {
	s = s.Scope("cvm.BuildProfiles")
	if ps.Batches <= 0 {
		ps.Batches = 64
	}
	keyed := beam.ParDo(s, &batchFn{Batches: ps.Batches}, tx.Rows)
	parts := beam.ParDo(s, &partsFn{Settings: ps}, beam.GroupByKey(s, keyed), beam.SideInput{Input: tx.Cut})
	pop := beam.ParDo(s, &fitFn{Settings: ps}, beam.Impulse(s), beam.SideInput{Input: parts}, beam.SideInput{Input: tx.Cut})
	lines := beam.ParDo(s, &scoreFn{Settings: ps}, parts, beam.SideInput{Input: pop})
	return Profiles{Parts: parts, Population: pop, Lines: lines}
}

// ProfileCSV writes the profiles' lines, sorted by customer, with cvm
// profile's header to one file at path (see WriteSorted).
func ProfileCSV(s beam.Scope, p Profiles, path string) {
	WriteSorted(s.Scope("cvm.ProfileCSV"), path, profile.CSVHeader, p.Lines)
}
