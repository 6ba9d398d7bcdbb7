package contact

import (
	"cmp"
	"math"
	"slices"
)

// Allocation methods, as Allocation.Method reports them.
const (
	MethodAll    = "all"    // no budget: every profitable contact
	MethodGreedy = "greedy" // greedy by value density
	MethodSingle = "single" // the best single contact beat the greedy set
	MethodExact  = "exact"  // at most ExactItems candidates: every subset tried
)

// ExactItems is the most candidate contacts for which the allocation tries
// every subset (2^16 = 65,536 sets) and so is optimal.
const ExactItems = 16

type dens struct {
	d   float64
	net float64
	i   int32
}

// allocate chooses among the independent items (each with Net > 0) the
// set that the budget allows, and returns their indices in ascending order.
//
// The problem is a 0/1 knapsack: maximise sum Net_i over a set with sum
// Cost_i <= B. allocate sorts the items by density Net/Cost (a free item
// first), takes each that still fits (continuing past those that do not),
// and returns that set or the best single item that fits, whichever is worth
// more; with at most ExactItems candidates it tries every subset instead and
// is optimal. With the LP relaxation's value LP (Dantzig 1957: the densest prefix
// plus the fitting fraction of the first item that does not fit) and the
// critical item c, greedy >= prefix and prefix + Net_c >= LP >= OPT, so
// max(greedy, best single) >= OPT/2 (Martello & Toth 1990, sec. 2.4). The
// sort is O(n log n); ties of density and value go to the smaller
// customer ID (then rule), never to the customers' order; exact dynamic programming is O(n B) in cents, too
// slow for a million contacts. A final check keeps rounding from
// ever exceeding B (summed in the plan's order).
func allocate(items []Decision, budget float64) ([]int, Allocation) {
	a := Allocation{Budget: budget}
	keep := make([]int, 0, len(items))
	if budget == 0 {
		a.Method = MethodAll
		for i := range items {
			keep = append(keep, i)
			a.Chosen += items[i].Net
			a.ChosenCost += items[i].Cost
		}
		a.Bound = a.Chosen
		return keep, a
	}
	limit := budget
	ds := make([]dens, 0, len(items))
	best := -1
	for i := range items {
		it := &items[i]
		if it.Cost > limit {
			continue
		}
		d := math.Inf(1)
		if it.Cost > 0 {
			d = it.Net / it.Cost
		}
		ds = append(ds, dens{d, it.Net, int32(i)})
		if best < 0 || it.Net > items[best].Net || (it.Net == items[best].Net && byCustomer(it, &items[best]) < 0) {
			best = i
		}
	}
	slices.SortFunc(ds, func(x, y dens) int {
		if c := cmp.Compare(y.d, x.d); c != 0 {
			return c
		}
		if c := cmp.Compare(y.net, x.net); c != 0 {
			return c
		}
		return byCustomer(&items[x.i], &items[y.i])
	})
	spent, val, prefixCost := 0.0, 0.0, 0.0
	critical := false
	for _, d := range ds {
		it := &items[d.i]
		if spent+it.Cost <= limit {
			keep = append(keep, int(d.i))
			spent += it.Cost
			val += it.Net
			if !critical {
				a.Bound += it.Net
				prefixCost += it.Cost
			}
			continue
		}
		if !critical {
			critical = true
			a.Bound += it.Net * max(budget-prefixCost, 0) / it.Cost
		}
	}
	a.Method = MethodGreedy
	if n := len(ds); n > 0 && n <= ExactItems {
		bestMask, bestVal := 0, -1.0
		for mask := 0; mask < 1<<n; mask++ {
			c, v := 0.0, 0.0
			for j := 0; j < n; j++ {
				if mask&(1<<j) != 0 {
					c += items[ds[j].i].Cost
					v += items[ds[j].i].Net
				}
			}
			if c <= budget && v > bestVal {
				bestMask, bestVal = mask, v
			}
		}
		keep = keep[:0]
		val = bestVal
		for j := 0; j < n; j++ {
			if bestMask&(1<<j) != 0 {
				keep = append(keep, int(ds[j].i))
			}
		}
		a.Method = MethodExact
	} else if best >= 0 && items[best].Net > val {
		keep = append(keep[:0], best)
		val = items[best].Net
		a.Method = MethodSingle
	}
	if a.Bound < val {
		a.Bound = val
	}
	slices.Sort(keep)
	// Summed in the plan's order the cost may round above the budget by
	// an ulp: drop the least dense chosen contacts until it does not.
	for {
		spent = 0
		for _, k := range keep {
			spent += items[k].Cost
		}
		if spent <= budget || len(keep) == 0 {
			break
		}
		worst := 0
		for j, k := range keep {
			a, b := items[k].Net*items[keep[worst]].Cost, items[keep[worst]].Net*items[k].Cost
			if a < b || (a == b && byCustomer(&items[k], &items[keep[worst]]) > 0) {
				worst = j
			}
		}
		val -= items[keep[worst]].Net
		keep = slices.Delete(keep, worst, worst+1)
	}
	a.Chosen, a.ChosenCost = val, spent
	return keep, a
}

// byCustomer orders decisions by customer ID, then rule: the allocation's
// tie-break, so that the customers' order does not choose among contacts
// of equal value (Index last, for a repeated ID).
func byCustomer(a, b *Decision) int {
	if c := cmp.Compare(a.Customer, b.Customer); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Rule, b.Rule); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}

// hashID is a seeded 64-bit hash of a rule and a customer ID: FNV-1a over
// the bytes, then the splitmix64 finaliser (Steele, Lea & Flood 2014).
func hashID(seed uint64, rule, id string) uint64 {
	h := uint64(14695981039346656037) ^ seed
	for i := 0; i < len(rule); i++ {
		h ^= uint64(rule[i])
		h *= 1099511628211
	}
	h ^= 0xff
	h *= 1099511628211
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

type hashed struct {
	h uint64
	j int32
}

// holdout marks the control groups: per rule, the round(share x n) chosen
// decisions with the smallest hash of (seed, rule, customer).
func (p *plan) holdout(chosen []Decision) {
	by := make([][]hashed, len(p.rules.Rules))
	for j := range chosen {
		d := &chosen[j]
		by[d.Rule] = append(by[d.Rule], hashed{hashID(p.seed, d.RuleName, d.Customer), int32(j)})
	}
	for r, hs := range by {
		share := p.rules.Rules[r].Action.Control
		switch share {
		case 0:
			share = p.control
		case Off:
			share = 0
		}
		n := int(math.Round(share * float64(len(hs))))
		if n == 0 {
			continue
		}
		slices.SortFunc(hs, func(a, b hashed) int {
			if c := cmp.Compare(a.h, b.h); c != 0 {
				return c
			}
			return cmp.Compare(a.j, b.j)
		})
		for _, x := range hs[:n] {
			chosen[x.j].Control = true
		}
	}
}
