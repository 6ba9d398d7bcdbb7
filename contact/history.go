package contact

import (
	"cmp"
	"slices"
	"time"
)

// history is the contact history indexed by customer.
type history struct {
	idx   []int32 // customer index -> index in cust, -1 for none
	cust  []custHistory
	rules []ruleAt // by customer, then time
}

type ruleAt struct {
	cust int32
	rule string
	at   time.Time
}

// custHistory is what one customer's history says as of the as-of.
type custHistory struct {
	lastContact, lastComplaint time.Time
	lastResponse               time.Time
	responded                  Channel // the channel of the last response
	inWindow                   int     // contacts within the window before the as-of
	lo, hi                     int32   // its entries in history.rules
}

func (h *history) of(i int) *custHistory {
	if j := h.idx[i]; j >= 0 {
		return &h.cust[j]
	}
	return nil
}

// ruleSince says whether rule contacted the customer at or after t.
func (hc *custHistory) ruleSince(h *history, rule string, t time.Time) bool {
	for _, e := range h.rules[hc.lo:hc.hi] {
		if e.rule == rule && !e.at.Before(t) {
			return true
		}
	}
	return false
}

// indexHistory indexes the contacts on or before asOf of known customers;
// inWindow is set by countWindow.
func indexHistory(cs []Customer, hist []Contact, asOf time.Time) *history {
	ids := make(map[string]int32, len(cs))
	for i := range cs {
		ids[cs[i].ID] = int32(i)
	}
	h := &history{idx: make([]int32, len(cs))}
	for i := range h.idx {
		h.idx[i] = -1
	}
	for k := range hist {
		e := &hist[k]
		if e.At.After(asOf) {
			continue
		}
		i, ok := ids[e.Customer]
		if !ok {
			continue
		}
		h.rules = append(h.rules, ruleAt{cust: i, rule: e.Rule, at: e.At})
		j := h.idx[i]
		if j < 0 {
			j = int32(len(h.cust))
			h.idx[i] = j
			h.cust = append(h.cust, custHistory{})
		}
		c := &h.cust[j]
		if e.At.After(c.lastContact) {
			c.lastContact = e.At
		}
		if e.Complaint && e.At.After(c.lastComplaint) {
			c.lastComplaint = e.At
		}
		if e.Responded && e.Channel != NoChannel && !e.At.Before(c.lastResponse) {
			c.lastResponse, c.responded = e.At, e.Channel
		}
	}
	slices.SortStableFunc(h.rules, func(a, b ruleAt) int { return cmp.Compare(a.cust, b.cust) })
	for lo := 0; lo < len(h.rules); {
		hi := lo
		for hi < len(h.rules) && h.rules[hi].cust == h.rules[lo].cust {
			hi++
		}
		c := &h.cust[h.idx[h.rules[lo].cust]]
		c.lo, c.hi = int32(lo), int32(hi)
		lo = hi
	}
	return h
}

// countWindow sets inWindow: the contacts within window before asOf.
func (h *history) countWindow(asOf time.Time, window time.Duration) {
	for _, e := range h.rules {
		if asOf.Sub(e.at) < window {
			h.cust[h.idx[e.cust]].inWindow++
		}
	}
}
