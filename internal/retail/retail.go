// Package retail is the per-customer arithmetic of value.RetailIndicators,
// shared with profile, which computes the same figures from its own column
// store in its per-customer pass: one accumulation and one formula, so
// that both give the same bits.
package retail

import (
	"math"
	"math/bits"
	"slices"

	"github.com/cvmkit/cvm/internal/num"
)

// DefaultQuantile is the default wallet quantile of the peer headroom
// (value.RetailSettings.Quantile).
const DefaultQuantile = 0.9

// Day is one customer's purchases and returns on one day.
type Day struct {
	Day       int64
	Buy, Ret  float64 // purchases and returns (positive)
	Qty       float64 // net units
	Purchased bool    // a transaction with Amount >= 0
}

// Item is one purchased item (category or product) on a day.
type Item struct {
	Day  int64
	Item int32
}

// Acc accumulates one customer's transactions; the zero value is ready,
// Reset empties it for the next customer and keeps its memory.
type Acc struct {
	Days  []Day
	Items []Item
	// Qty says a transaction had a non-zero quantity, AnyItem that a
	// purchase had an item.
	Qty, AnyItem bool
}

// Reset empties a for another customer.
func (a *Acc) Reset() {
	a.Days, a.Items = a.Days[:0], a.Items[:0]
	a.Qty, a.AnyItem = false, false
}

// Add adds a transaction of the day (in the calendar of the indicators)
// with the amount and quantity, and item when hasItem.
func (a *Acc) Add(day int64, amount, qty float64, item int32, hasItem bool) {
	if qty != 0 {
		a.Qty = true
	}
	if k := len(a.Days) - 1; k < 0 || a.Days[k].Day != day {
		a.Days = append(a.Days, Day{Day: day})
	}
	r := &a.Days[len(a.Days)-1]
	if amount >= 0 {
		r.Buy += amount
		r.Purchased = true
	} else {
		r.Ret -= amount
	}
	r.Qty += qty
	if hasItem && amount >= 0 {
		a.Items = append(a.Items, Item{Day: day, Item: item})
		a.AnyItem = true
	}
}

// Figures are one customer's indicators, all but the peer headroom.
type Figures struct {
	Rev, Units, AOV, Freq, Rec, Ten       float64
	Breadth, RetShare, Volat, Reg, Growth float64
	ReturnsOnly                           bool
}

// Scratch is reusable memory for Compute.
type Scratch struct {
	pdays []int64
	gaps  []float64
	items []int32
}

// Compute computes the customer's figures (sorting and merging a.Days in
// place); A is the as-of day, W the window length, gap the relationship
// gap and span the file's span in days. sc may be nil.
func (a *Acc) Compute(A, W, gap, span int64, sc *Scratch) Figures {
	if sc == nil {
		sc = &Scratch{}
	}
	slices.SortStableFunc(a.Days, func(p, q Day) int { return int(p.Day - q.Day) })
	// Merge records of one day (the stream need not be sorted).
	days := a.Days[:0]
	for _, r := range a.Days {
		if k := len(days) - 1; k >= 0 && days[k].Day == r.Day {
			days[k].Buy += r.Buy
			days[k].Ret += r.Ret
			days[k].Qty += r.Qty
			days[k].Purchased = days[k].Purchased || r.Purchased
			continue
		}
		days = append(days, r)
	}
	a.Days = days
	var f Figures
	from := A - W // window is (from, A]
	var buy, ret, bc, rc float64
	var buckets [12]float64
	pdays := sc.pdays[:0] // purchase days in the window
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, r := range days {
		if r.Purchased {
			first = min(first, r.Day)
			last = max(last, r.Day)
		}
		if r.Day <= from {
			continue
		}
		buy, bc = num.AddNeumaier(buy, bc, r.Buy)
		ret, rc = num.AddNeumaier(ret, rc, r.Ret)
		f.Units += r.Qty
		b := (A - r.Day) * 12 / W
		buckets[b] += r.Buy - r.Ret
		if r.Purchased {
			pdays = append(pdays, r.Day)
		}
	}
	sc.pdays = pdays
	buy, ret = buy+bc, ret+rc
	f.Rev = buy - ret
	f.Freq = float64(len(pdays))
	if f.Freq > 0 {
		f.AOV = f.Rev / f.Freq
	}
	if last == math.MinInt64 {
		f.ReturnsOnly = true
		f.Rec = float64(span + 1)
	} else {
		f.Rec = float64(A - last)
		f.Ten = float64(A-first) / 365.25
	}
	switch {
	case buy > 0:
		f.RetShare = min(1, ret/buy)
	case ret > 0:
		f.RetShare = 1
	}
	// Volatility of the 12 periods' spend.
	mu := 0.0
	for _, v := range buckets {
		mu += v
	}
	mu /= 12
	if mu > 0 {
		ss := 0.0
		for _, v := range buckets {
			ss += (v - mu) * (v - mu)
		}
		f.Volat = math.Sqrt(ss/12) / mu
	} else {
		f.Volat = math.Sqrt(11)
	}
	// Regularity of the gaps between purchase days.
	if len(pdays) >= 3 {
		g := sc.gaps[:0]
		gm := 0.0
		for k := range len(pdays) - 1 {
			v := float64(pdays[k+1] - pdays[k])
			g = append(g, v)
			gm += v
		}
		sc.gaps = g
		gm /= float64(len(g))
		ss := 0.0
		for _, v := range g {
			ss += (v - gm) * (v - gm)
		}
		f.Reg = 1 / (1 + math.Sqrt(ss/float64(len(g)))/gm)
	}
	// Growth within the current relationship: its start is the first
	// purchase day after the last gap longer than gap days. Without a
	// purchase there is no relationship to grow: the worst value.
	if f.ReturnsOnly {
		f.Growth = -1
	} else {
		start := last
		prev := int64(math.MinInt64)
		for k := len(days) - 1; k >= 0; k-- {
			r := days[k]
			if !r.Purchased {
				continue
			}
			if prev != math.MinInt64 && prev-r.Day > gap {
				break
			}
			start, prev = r.Day, r.Day
		}
		start = max(start, from+1)
		L := A - start + 1
		if L >= W/6 {
			mid := float64(start) + float64(L)/2
			var early, late float64
			for _, r := range days {
				if r.Day < start {
					continue
				}
				if float64(r.Day) < mid {
					early += r.Buy - r.Ret
				} else {
					late += r.Buy - r.Ret
				}
			}
			if d := math.Abs(early) + math.Abs(late); d > 0 {
				f.Growth = (late - early) / d
			}
		}
	}
	// Breadth: distinct items bought in the window.
	if len(a.Items) > 0 {
		its := sc.items[:0]
		for _, it := range a.Items {
			if it.Day > from {
				its = append(its, it.Item)
			}
		}
		slices.Sort(its)
		its = slices.Compact(its)
		sc.items = its
		f.Breadth = float64(len(its))
	}
	return f
}

// Class is a customer's peers: its frequency class bits.Len(order
// frequency) and its peer group.
type Class struct {
	Freq  int
	Group string
}

// ClassOf returns the peer class of a customer with freq purchase days in
// the window and the peer group.
func ClassOf(freq float64, group string) Class { return Class{bits.Len(uint(freq)), group} }

// Wallets returns, for each class, the quantile q of x among the class's
// customers (class[i] is x[i]'s).
func Wallets(x []float64, class []Class, q float64) map[Class]float64 {
	members := map[Class][]float64{}
	for i, c := range class {
		members[c] = append(members[c], x[i])
	}
	wallet := make(map[Class]float64, len(members))
	for c, v := range members {
		slices.Sort(v)
		wallet[c] = num.QuantileSorted(v, q)
	}
	return wallet
}

// Headroom returns max(0, wallet - max(x, 0)): a negative own figure (net
// refunds) does not make headroom of its own.
func Headroom(wallet, x float64) float64 { return max(0, wallet-max(x, 0)) }
