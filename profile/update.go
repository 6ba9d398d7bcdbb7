package profile

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/internal/parallel"
	"github.com/cvmkit/cvm/lifecycle"
)

// Update applies new transactions to the profiles of f and scores them as
// of asOf with f's models, refitting nothing, and returns the new file
// (f is not modified). Every new transaction must be after f.AsOf (an
// earlier one is an error naming it: the file already holds that period);
// those after asOf are left out; a nil newTxs is no transaction. The zero asOf means the cvm default of the
// new transactions (the end of the UTC day of the last plausible one), or
// f.AsOf when there are none.
//
// Each customer's summary, CLV input, units, products and categories are
// continued with the new transactions, and its lifecycle state is replayed
// on from f's with the same monthly ticks lifecycle.Classify uses; the
// RFM cells, forecasts, value scores, recovery book and flags are then
// computed with f.Models. The result equals Apply on all the transactions
// with the same models, up to the rounding of the compensated sums (a
// relative 1e-12), provided f.AsOf falls on a tick (the first second of a
// month): otherwise f's lifecycle states carry the extra evaluation at
// f.AsOf that Classify makes there and a rebuild would not.
//
// Update needs models built with SummaryIndicators (the retail
// indicators' windows need every transaction); it returns an error for
// others.
//
// The result's Refit says whether the models are due to be refitted
// (RefitNewShare, RefitAge); Update scores with them anyway.
func Update(ctx context.Context, f *File, newTxs iter.Seq[cvm.Transaction], asOf time.Time) (*File, error) {
	if f == nil || f.Models == nil {
		return nil, fmt.Errorf("profile: Update without a built file")
	}
	if f.Models.Indicators != SummaryIndicators {
		return nil, fmt.Errorf("profile: Update: the models use the %s indicators, whose windows need every transaction; build again (or build with SummaryIndicators to update)", f.Models.Indicators)
	}
	by := map[string][]cvm.Transaction{}
	var aud *cvm.Auditor
	if asOf.IsZero() {
		aud = cvm.NewAuditor(&cvm.AuditSettings{TimeOnly: true})
	}
	n := 0
	if newTxs == nil {
		newTxs = func(func(cvm.Transaction) bool) {}
	}
	for t := range newTxs {
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if !t.Time.After(f.AsOf) {
			return nil, &cvm.TransactionError{Customer: t.Customer, Field: "time",
				Err: fmt.Errorf("profile: %s is not after the file's as-of %s", t.Time.UTC().Format(time.RFC3339), f.AsOf.UTC().Format(time.RFC3339))}
		}
		if aud != nil {
			aud.Add(t)
		}
		by[t.Customer] = append(by[t.Customer], t)
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	if aud != nil {
		if asOf = aud.Report().AsOf; asOf.IsZero() {
			asOf = f.AsOf
		}
	}
	if asOf.Before(f.AsOf) {
		return nil, fmt.Errorf("profile: Update as of %s, before the file's as-of %s", asOf.Format(time.RFC3339), f.AsOf.Format(time.RFC3339))
	}
	for id, ts := range by {
		ts = slices.DeleteFunc(ts, func(t cvm.Transaction) bool { return t.Time.After(asOf) })
		slices.SortStableFunc(ts, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
		if len(ts) == 0 {
			delete(by, id)
		} else {
			by[id] = ts
		}
	}
	ps := slices.Clone(f.Profiles)
	for id := range by {
		if _, ok := f.Lookup(id); !ok {
			ps = append(ps, Profile{Customer: id, Summary: cvm.Summary{Customer: id}})
		}
	}
	slices.SortFunc(ps, func(a, b Profile) int { return cmp.Compare(a.Customer, b.Customer) })
	lr := &f.Models.Lifecycle
	var ferr error
	asDay := cvm.DayNumber(asOf, time.UTC)
	parallel.For(len(ps), 1024, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p := &ps[i]
			p.Reasons = nil
			if err := p.continueWith(by[p.Customer], f.AsOf, asOf, asDay, lr); err != nil {
				ferr = err
				return
			}
		}
	})
	if ferr != nil {
		return nil, ferr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := &File{AsOf: asOf, Profiles: ps}
	reasons := 0
	if len(f.Profiles) > 0 {
		reasons = len(f.Profiles[0].Reasons)
	}
	return g, g.score(ctx, &Settings{Models: f.Models, Reasons: reasons}, newTimer(nil))
}

// continueWith applies one customer's new transactions ts (time order, all
// in (from, asOf]) to p, and moves its lifecycle on to asOf.
func (p *Profile) continueWith(ts []cvm.Transaction, from, asOf time.Time, asDay int64, lr *lifecycle.Settings) error {
	s := &p.Summary
	total, comp := s.Total, 0.0
	ret, retComp := -s.Returns, 0.0
	units, uc := p.Units, 0.0
	repeat, rc := p.CLV.Repeat, 0.0
	lastDay := int64(0)
	if s.Occasions > 0 {
		lastDay = cvm.DayNumber(s.Last, time.UTC)
	}
	products, categories := p.Products, p.Categories
	st := p.Lifecycle
	// next is the pending tick: the first month start after the last
	// evaluation, as Classify schedules them.
	var next int64
	if st.Stage() != lifecycle.None || !st.Last().IsZero() {
		next = nextMonth(from.Unix())
	}
	apply := func(e lifecycle.Event) error {
		ns, tr, err := lifecycle.Apply(st, e, lr)
		if err != nil {
			return fmt.Errorf("profile: customer %q: %w", p.Customer, err)
		}
		st = ns
		if tr.Changed() {
			p.Transition = tr
			if p.History != nil {
				p.History = append(slices.Clip(p.History), tr)
			}
		}
		return nil
	}
	catchUp := func(until int64) error {
		for next != 0 && next < until {
			if err := apply(lifecycle.Event{Kind: lifecycle.Tick, Time: time.Unix(next, 0).UTC()}); err != nil {
				return err
			}
			next = nextMonth(next)
		}
		return nil
	}
	for _, t := range ts {
		if err := catchUp(t.Time.Unix()); err != nil {
			return err
		}
		s.Transactions++
		total, comp = num.AddNeumaier(total, comp, t.Amount)
		units, uc = num.AddNeumaier(units, uc, t.Quantity)
		e := lifecycle.Event{Kind: lifecycle.Purchase, Time: t.Time, Amount: t.Amount}
		if t.Amount < 0 {
			ret, retComp = num.AddNeumaier(ret, retComp, t.Amount)
			e.Kind, e.Amount = lifecycle.Return, -t.Amount
		} else {
			day := cvm.DayNumber(t.Time, time.UTC)
			if s.Occasions == 0 {
				s.First, s.Last, s.Occasions, lastDay = t.Time.UTC(), t.Time.UTC(), 1, day
			} else {
				if day != lastDay {
					s.Occasions++
					lastDay = day
				}
				if t.Time.After(s.Last) {
					s.Last = t.Time.UTC()
				}
				if day != cvm.DayNumber(s.First, time.UTC) {
					repeat, rc = num.AddNeumaier(repeat, rc, t.Amount)
				}
			}
			if t.Product != "" {
				products = insertSorted(products, t.Product)
			}
			if t.Category != "" {
				categories = insertSorted(categories, t.Category)
			}
		}
		if err := apply(e); err != nil {
			return err
		}
		if next == 0 {
			next = nextMonth(t.Time.Unix())
		}
	}
	if err := catchUp(asOf.Unix() + 1); err != nil {
		return err
	}
	if next != 0 && st.Last().Before(asOf.Truncate(time.Second)) {
		if err := apply(lifecycle.Event{Kind: lifecycle.Tick, Time: asOf}); err != nil {
			return err
		}
	}
	s.Total, s.Returns = total+comp, -(ret + retComp)
	if s.Returns == 0 {
		s.Returns = 0 // no negative zero
	}
	p.Units = units + uc
	p.Products, p.Categories = products, categories
	p.Lifecycle, p.Pattern = st, st.Pattern(asOf, lr)
	p.CLV = CLV{Repeat: repeat + rc}
	if s.Occasions > 0 {
		p.CLV.Input = clvInput(*s, p.CLV.Repeat, cvm.DayNumber(s.First, time.UTC), asDay)
	}
	return nil
}

// insertSorted returns the sorted set ss with s added; ss is not modified.
func insertSorted(ss []string, s string) []string {
	i, ok := slices.BinarySearch(ss, s)
	if ok {
		return ss
	}
	return slices.Insert(slices.Clip(ss), i, s)
}

// nextMonth returns the first second of the UTC month after Unix time t's.
func nextMonth(t int64) int64 {
	u := time.Unix(t, 0).UTC()
	return time.Date(u.Year(), u.Month()+1, 1, 0, 0, 0, 0, time.UTC).Unix()
}
