package cvm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
	"unicode/utf8"
)

// Mergeable summaries. A Summarizer fed any subset of the transactions is
// a partial summary: Merge combines two partials of the same settings,
// and MarshalJSON / UnmarshalJSON carry one across a process boundary.
// Every figure of a customer is a function of the set of its transactions
// (first and last purchase, rows, exact sums, the set of purchase days or
// order IDs, the number of purchases without an order ID), so partials
// merged in any order and grouping give what one Summarizer fed every
// transaction gives, bit for bit.

// ErrSettingsMismatch is returned by Summarizer.Merge for summarizers
// with different settings.
var ErrSettingsMismatch = errors.New("cvm: summarizers with different settings")

// Merge adds to s everything other has accumulated, as if other's
// transactions had been added to s: afterwards s.Summaries() is exactly
// (bit for bit) what one Summarizer fed the transactions of both gives,
// whatever the order of merges and additions. Both must have equal
// settings (the same Occasions, AsOf equal as instants, and Locations of
// the same name), else Merge returns an error wrapping
// ErrSettingsMismatch.
//
// With ByDay, occasions merge as sets of calendar days; with ByOrder, as
// sets of order IDs, and each purchase row without an order ID stays an
// occasion of its own (their counts add up). A customer whose merged
// exact sum of purchases or of returns would reach 2^127 units (or whose
// rows would overflow int) is a *TransactionError wrapping ErrOverflow
// naming the customer; then s is left unchanged (so is it for a settings
// mismatch). Merge does not change other's results but compacts its
// pending occasions, so other must not be in use by another goroutine; it
// panics if other is s.
//
// Merge costs time linear in other's customers and occasions (plus the
// deduplication of s's occasions at the next Summaries).
func (s *Summarizer) Merge(other *Summarizer) error {
	if other == s {
		panic("cvm: Summarizer.Merge with itself")
	}
	if err := s.sameSettings(other); err != nil {
		return err
	}
	n := other.ids.len()
	// First the accumulators, checked before anything changes.
	idx := make([]int32, n) // other's customer -> s's, -1 for new
	merged := make([]accum, n)
	for j := range n {
		id := other.ids.id(int32(j))
		b := other.accumOf(int32(j))
		i := s.ids.find(s.ids.hash(id), id)
		idx[j] = i
		if i < 0 {
			merged[j] = *b
			merged[j].lastKey = 0
			continue
		}
		m, field := mergeAccum(s.accumOf(i), b)
		if field != "" {
			return &TransactionError{Customer: string(id), Field: field, Err: ErrOverflow}
		}
		merged[j] = m
	}
	if err := s.roomFor(other, idx); err != nil {
		return err
	}
	for j := range n {
		i := idx[j]
		if i < 0 {
			id := other.ids.id(int32(j))
			i = s.ids.index(s.ids.hash(id), id)
			idx[j] = i
		}
		*s.accum(i) = merged[j]
	}
	s.last = -1
	// Then the occasions: other's distinct (customer, key) pairs, with
	// customers and order IDs translated to s's indexes.
	other.flush()
	var orderIdx []int32
	if s.orders != nil {
		orderIdx = make([]int32, other.orders.len())
		for k := range orderIdx {
			orderIdx[k] = -1
		}
	}
	for _, r := range other.sorted {
		for _, p := range r {
			ci, key := idx[p>>32], uint32(p)
			if orderIdx != nil {
				k := orderIdx[key]
				if k < 0 {
					id := other.orders.id(int32(key))
					k = s.orders.index(s.orders.hash(id), id)
					orderIdx[key] = k
				}
				key = uint32(k)
			}
			s.appendPair(uint64(ci)<<32 | uint64(key))
		}
	}
	s.lastOrder = -1
	return nil
}

// roomFor returns an error wrapping ErrTooManyIDs when merging other
// would take s past maxIDs customers or order IDs; idx is other's
// customers' indexes in s, -1 for new ones.
func (s *Summarizer) roomFor(other *Summarizer, idx []int32) error {
	fresh := 0
	for _, i := range idx {
		if i < 0 {
			fresh++
		}
	}
	if s.ids.len()+fresh > maxIDs {
		return &TransactionError{Field: "customer", Err: ErrTooManyIDs}
	}
	if s.orders == nil || s.orders.len()+other.orders.len() <= maxIDs {
		return nil
	}
	fresh = 0
	for k := range other.orders.len() {
		id := other.orders.id(int32(k))
		if s.orders.find(s.orders.hash(id), id) < 0 {
			fresh++
		}
	}
	if s.orders.len()+fresh > maxIDs {
		return &TransactionError{Field: "order", Err: ErrTooManyIDs}
	}
	return nil
}

// sameSettings returns an error wrapping ErrSettingsMismatch unless s and
// o count occasions alike, cut off at the same instant and use locations
// of the same name.
func (s *Summarizer) sameSettings(o *Summarizer) error {
	a, b := s.opts, o.opts
	switch {
	case a.Occasions != b.Occasions:
		return fmt.Errorf("%w: occasions %v and %v", ErrSettingsMismatch, a.Occasions, b.Occasions)
	case !a.AsOf.Equal(b.AsOf):
		return fmt.Errorf("%w: as of %v and %v", ErrSettingsMismatch, a.AsOf, b.AsOf)
	case a.Location.String() != b.Location.String():
		return fmt.Errorf("%w: location %q and %q", ErrSettingsMismatch, a.Location, b.Location)
	}
	return nil
}

// accumOf returns customer i's accumulator, which must exist.
func (s *Summarizer) accumOf(i int32) *accum { return &s.acc[i>>accShift][i&(accBlock-1)] }

// mergeAccum returns the accumulator of the union of a's and b's rows, or
// the field that would overflow: "amount" when the exact sums would reach
// 2^127 units, "rows" when the counts would leave int.
func mergeAccum(a, b *accum) (accum, string) {
	m := *a
	sc := max(a.scale, b.scale)
	ap, ok1 := a.pur.scale(int(sc - a.scale))
	ar, ok2 := a.ret.scale(int(sc - a.scale))
	bp, ok3 := b.pur.scale(int(sc - b.scale))
	br, ok4 := b.ret.scale(int(sc - b.scale))
	var ok5, ok6 bool
	m.pur, ok5 = ap.add(bp)
	m.ret, ok6 = ar.add(br)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return accum{}, "amount"
	}
	if a.tx > math.MaxInt-b.tx || a.noOrder > math.MaxInt-b.noOrder {
		return accum{}, "rows"
	}
	m.scale = sc
	m.tx += b.tx
	m.noOrder += b.noOrder
	if b.bought {
		if !a.bought || before(b.firstSec, b.firstNs, a.firstSec, a.firstNs) {
			m.firstSec, m.firstNs = b.firstSec, b.firstNs
		}
		if !a.bought || before(a.lastSec, a.lastNs, b.lastSec, b.lastNs) {
			m.lastSec, m.lastNs = b.lastSec, b.lastNs
		}
		m.bought = true
	}
	return m, ""
}

// SummarizerFormat and SummarizerVersion name the JSON envelope of a
// Summarizer (see Summarizer.MarshalJSON).
const (
	SummarizerFormat  = "cvm.summarizer"
	SummarizerVersion = 1
)

// summarizerJSON is the envelope of a Summarizer.
type summarizerJSON struct {
	Format    string         `json:"format"`
	Version   int            `json:"version"`
	Settings  settingsJSON   `json:"settings"`
	Customers []customerJSON `json:"customers"`
}

type settingsJSON struct {
	AsOf      *time.Time `json:"as_of,omitempty"`
	Occasions Occasion   `json:"occasions"`
	Location  string     `json:"location"`
}

// customerJSON is one customer's partial summary. Purchases and Returns
// are decimal integers of units of 10^-Scale.
type customerJSON struct {
	ID        string     `json:"id"`
	Rows      int        `json:"rows"`
	First     *time.Time `json:"first,omitempty"`
	Last      *time.Time `json:"last,omitempty"`
	Scale     int        `json:"scale"`
	Purchases string     `json:"purchases"`
	Returns   string     `json:"returns"`
	Days      []int64    `json:"days,omitempty"`
	Orders    []string   `json:"orders,omitempty"`
	NoOrder   int        `json:"no_order,omitempty"`
}

// MarshalJSON encodes the Summarizer's partial summaries in the cvm
// envelope, {"format": "cvm.summarizer", "version": 1, "settings": {...},
// "customers": [...]}, so that partials computed elsewhere (workers, a
// pipeline's stages) can be merged: the settings (as_of in RFC 3339, the
// occasions "day" or "order", the location's name), and per customer, in
// ID order, its ID, rows, first and last purchase (absent for a
// returns-only customer), the exact sums of purchases and of returns as
// decimal integers of units of 10^-scale, and its occasions: the sorted
// day numbers (days since 1970-01-01 in the location, see DayNumber) or
// the sorted order IDs, and the purchase rows without an order ID.
//
// It fails for a customer or order ID that is not valid UTF-8 (JSON
// strings would not carry it unchanged) and for times outside the years
// 0 to 9999. The encoding takes about 150 bytes per customer plus its ID,
// and 6 bytes per distinct day or the order ID plus 3 per order.
func (s *Summarizer) MarshalJSON() ([]byte, error) {
	out := summarizerJSON{Format: SummarizerFormat, Version: SummarizerVersion,
		Settings: settingsJSON{Occasions: s.opts.Occasions, Location: s.opts.Location.String()}}
	if !s.opts.AsOf.IsZero() {
		t := s.opts.AsOf.UTC()
		out.Settings.AsOf = &t
	}
	n := s.ids.len()
	s.flush()
	var pairs []uint64
	for _, r := range s.sorted {
		pairs = append(pairs, r...)
	}
	start := make([]int, n+1) // customer i's pairs are pairs[start[i]:start[i+1]]
	for _, p := range pairs {
		start[p>>32+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	sortByID(order, s.ids)
	out.Customers = make([]customerJSON, n)
	for k, i := range order {
		a := s.accumOf(i)
		id := s.ids.id(i)
		if !utf8.Valid(id) {
			return nil, fmt.Errorf("cvm: encoding %s: customer ID %q is not valid UTF-8", SummarizerFormat, id)
		}
		c := customerJSON{ID: string(id), Rows: a.tx, Scale: int(a.scale),
			Purchases: string(a.pur.appendDecimal(nil)), Returns: string(a.ret.appendDecimal(nil)), NoOrder: a.noOrder}
		if a.bought {
			f, l := time.Unix(a.firstSec, int64(a.firstNs)).UTC(), time.Unix(a.lastSec, int64(a.lastNs)).UTC()
			c.First, c.Last = &f, &l
		}
		for _, p := range pairs[start[i]:start[i+1]] {
			key := uint32(p)
			if s.orders == nil {
				c.Days = append(c.Days, int64(int32(key^1<<31)))
				continue
			}
			o := s.orders.id(int32(key))
			if !utf8.Valid(o) {
				return nil, fmt.Errorf("cvm: encoding %s: customer %q: order ID %q is not valid UTF-8", SummarizerFormat, id, o)
			}
			c.Orders = append(c.Orders, string(o))
		}
		slices.Sort(c.Orders)
		out.Customers[k] = c
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes a Summarizer encoded by MarshalJSON into s,
// replacing what s held; s may be the zero Summarizer. The settings come
// from the data, the location loaded by name with time.LoadLocation
// ("UTC" is time.UTC), so a partial decodes to the same occasions only
// where the same time zone database is installed.
//
// Decoding is strict: a *FormatError for another format or version;
// otherwise an error naming the field (and customer) for unknown fields,
// trailing data, customers out of order or repeated, counts below zero
// or inconsistent (occasions without a purchase, more occasions than
// rows, a first purchase after the last or after as_of, a first or last
// purchase not on the first or last day), sums that are not decimal
// integers below 2^127, a scale above 400, and days or order IDs out of
// order, repeated or of the other occasion kind. On error s is unchanged.
func (s *Summarizer) UnmarshalJSON(data []byte) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("cvm: decoding %s: "+format, append([]any{SummarizerFormat}, args...)...)
	}
	var h struct {
		Format  *string `json:"format"`
		Version *int    `json:"version"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return fail("%w", err)
	}
	if h.Format == nil {
		return fail(`no "format" field`)
	}
	fe := &FormatError{Format: *h.Format, WantFormat: SummarizerFormat, WantVersion: SummarizerVersion}
	if h.Version != nil {
		fe.Version = *h.Version
	}
	if *h.Format != SummarizerFormat || h.Version == nil || *h.Version != SummarizerVersion {
		return fe
	}
	var in summarizerJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fail("%w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail("data after the JSON object")
	}
	set := SummarySettings{Occasions: in.Settings.Occasions}
	if in.Settings.AsOf != nil {
		if in.Settings.AsOf.IsZero() {
			return fail("settings: as_of is the zero time")
		}
		set.AsOf = *in.Settings.AsOf
	}
	switch in.Settings.Location {
	case "":
		return fail("settings: no location")
	case "UTC":
		set.Location = time.UTC
	default:
		loc, err := time.LoadLocation(in.Settings.Location)
		if err != nil {
			return fail("settings: location: %w", err)
		}
		set.Location = loc
	}
	if len(in.Customers) >= 1<<31-2 {
		return fail("%d customers, at most 2^31-3", len(in.Customers))
	}
	t := NewSummarizer(&set)
	for k := range in.Customers {
		c := &in.Customers[k]
		if err := t.addCustomerJSON(c, k, in.Customers); err != nil {
			return fail("customer %q: %w", c.ID, err)
		}
	}
	*s = *t
	return nil
}

// addCustomerJSON checks decoded customer k of all and adds it to s.
func (s *Summarizer) addCustomerJSON(c *customerJSON, k int, all []customerJSON) error {
	switch {
	case c.ID == "":
		return errors.New("empty ID")
	case k > 0 && all[k-1].ID >= c.ID:
		return errors.New("customers are not in strictly increasing ID order")
	case c.Rows < 1:
		return fmt.Errorf("rows %d, want at least 1", c.Rows)
	case c.Scale < 0 || c.Scale > maxScale:
		return fmt.Errorf("scale %d out of 0..%d", c.Scale, maxScale)
	case c.NoOrder < 0:
		return fmt.Errorf("no_order %d is negative", c.NoOrder)
	case (c.First == nil) != (c.Last == nil):
		return errors.New("first and last purchase must both be present or both absent")
	}
	pur, ok := parseU128(c.Purchases)
	if !ok {
		return fmt.Errorf("purchases %q is not a decimal integer below 2^127", c.Purchases)
	}
	ret, ok := parseU128(c.Returns)
	if !ok {
		return fmt.Errorf("returns %q is not a decimal integer below 2^127", c.Returns)
	}
	if s.orders == nil && (len(c.Orders) > 0 || c.NoOrder > 0) {
		return errors.New("order IDs with occasions by day")
	}
	if s.orders != nil && len(c.Days) > 0 {
		return errors.New("days with occasions by order")
	}
	occ := len(c.Days) + len(c.Orders)
	if c.NoOrder > c.Rows || occ > c.Rows-c.NoOrder {
		return fmt.Errorf("%d occasions for %d rows", occ+c.NoOrder, c.Rows)
	}
	a := accum{tx: c.Rows, noOrder: c.NoOrder, scale: uint16(c.Scale), pur: pur, ret: ret}
	if c.First == nil {
		if occ > 0 || c.NoOrder > 0 || pur != (u128{}) {
			return errors.New("occasions or purchases without a first purchase")
		}
		if ret == (u128{}) {
			return errors.New("neither purchases nor returns")
		}
	} else {
		f, l := *c.First, *c.Last
		switch {
		case f.IsZero() || l.IsZero():
			return errors.New("first or last purchase at the zero time")
		case l.Before(f):
			return errors.New("last purchase before the first")
		case s.hasAsOf && s.afterAsOf(l.Unix(), int32(l.Nanosecond())):
			return errors.New("last purchase after as_of")
		case occ+c.NoOrder == 0:
			return errors.New("purchases without an occasion")
		}
		a.bought = true
		a.firstSec, a.firstNs = f.Unix(), int32(f.Nanosecond())
		a.lastSec, a.lastNs = l.Unix(), int32(l.Nanosecond())
	}
	for j, d := range c.Days {
		if d < math.MinInt32 || d > math.MaxInt32 {
			return fmt.Errorf("day %d out of range", d)
		}
		if j > 0 && c.Days[j-1] >= d {
			return errors.New("days are not in strictly increasing order")
		}
	}
	if len(c.Days) > 0 {
		if first := int64(int32(s.dayKey(a.firstSec) ^ 1<<31)); c.Days[0] != first {
			return fmt.Errorf("first day %d, but the first purchase is on day %d", c.Days[0], first)
		}
		if last := int64(int32(s.dayKey(a.lastSec) ^ 1<<31)); c.Days[len(c.Days)-1] != last {
			return fmt.Errorf("last day %d, but the last purchase is on day %d", c.Days[len(c.Days)-1], last)
		}
	}
	for j, o := range c.Orders {
		if o == "" {
			return errors.New("empty order ID (count it in no_order)")
		}
		if j > 0 && c.Orders[j-1] >= o {
			return errors.New("order IDs are not in strictly increasing order")
		}
	}
	keys := make([]uint32, len(c.Orders))
	for j, o := range c.Orders {
		var ok bool
		if keys[j], ok = s.orderKeyString(o); !ok {
			return ErrTooManyIDs
		}
	}
	i := s.ids.index(s.ids.hashString(c.ID), []byte(c.ID))
	if i < 0 {
		return ErrTooManyIDs
	}
	*s.accum(i) = a
	for _, d := range c.Days {
		s.appendPair(uint64(i)<<32 | uint64(uint32(int32(d))^1<<31))
	}
	for _, k := range keys {
		s.appendPair(uint64(i)<<32 | uint64(k))
	}
	return nil
}

// parseU128 parses a decimal integer below 2^127: digits only, no sign,
// no leading zero but for "0".
func parseU128(v string) (u128, bool) {
	if v == "" || len(v) > 39 || len(v) > 1 && v[0] == '0' {
		return u128{}, false
	}
	var x u128
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return u128{}, false
		}
		var ok bool
		if x, ok = x.mul64(10); !ok {
			return u128{}, false
		}
		if x, ok = x.add(u128{0, uint64(c - '0')}); !ok {
			return u128{}, false
		}
	}
	return x, true
}

// MarshalText returns "day" or "order"; it fails for any other value.
func (o Occasion) MarshalText() ([]byte, error) {
	switch o {
	case ByDay, ByOrder:
		return []byte(o.String()), nil
	}
	return nil, fmt.Errorf("cvm: invalid Occasion %d", int(o))
}

// UnmarshalText sets o from "day" or "order"; anything else is an error.
func (o *Occasion) UnmarshalText(b []byte) error {
	switch string(b) {
	case "day":
		*o = ByDay
	case "order":
		*o = ByOrder
	default:
		return fmt.Errorf("cvm: occasions %q, want day or order", b)
	}
	return nil
}
