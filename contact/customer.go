package contact

import (
	"fmt"
	"math"
	"time"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/value"
)

// Customer is what the contact rules read about one customer: a compact
// projection of a profile.Profile (Customers derives it) plus the contact
// attributes a host keeps (stated channel, opt-outs, complaints, recovery
// resolutions, allowed hours). It holds no slice, so a million of them cost
// one allocation.
type Customer struct {
	ID string // the customer's ID
	// Quadrant, Tier, Segment: the value quadrant, pyramid tier and RFM
	// segment. PrevSegment is the segment of the previous period ("" when
	// unknown: no SegmentChange trigger fires).
	Quadrant    value.Quadrant
	Tier        value.Tier
	Segment     string
	PrevSegment string
	// Stage is the lifecycle stage, From the stage before the last change
	// and Since when the current stage began (zero when unknown).
	Stage, From lifecycle.Stage
	Since       time.Time
	// Forecast says the CLV figures are known (profile.CLV.OK); without it
	// no AliveBelow trigger fires and CLV bounds never hold, and the four
	// figures are not read. With it PAlive must be in [0, 1], CLV finite,
	// ExpectedSpend and ExpectedPurchases finite and >= 0 (else Decide's
	// error names the customer and the field).
	Forecast          bool
	PAlive            float64
	ExpectedPurchases float64 // in the next 52 weeks
	ExpectedSpend     float64 // of one purchase
	CLV               float64
	// First and Last are the first and last purchase, Occasions the
	// purchase days.
	First, Last time.Time
	Occasions   int
	Flags       profile.Flag
	// Channel is the stated channel preference (NoChannel for none) and
	// OptOut the channels the customer refused (AllChannels: no contact).
	Channel Channel
	OptOut  ChannelSet
	// Complaint is the last complaint and Resolved the last recovery
	// resolution (zero for none).
	Complaint, Resolved time.Time
	// Hours are the customer's allowed send hours; the zero Hours means
	// Settings.Hours.
	Hours Hours
}

// Hours is a daily window of allowed send hours in UTC, [From, To): From 9,
// To 20 allows 09:00 to 19:59. From >= To, or To > 24, is invalid; the zero
// Hours means "the default".
type Hours struct {
	From, To uint8
}

// check returns an error naming the customer and the field for a figure
// Decide cannot use: a stated channel that is not a channel, and with a
// forecast a P(alive) outside [0, 1], a NaN or infinite CLV, or a NaN,
// infinite or negative expected spend or purchases. The figures of a
// customer without a forecast are not read.
func (c *Customer) check() error {
	if c.Channel >= numChannels {
		return fmt.Errorf("contact: customer %q: channel %d: not a channel", c.ID, c.Channel)
	}
	if !c.Forecast {
		return nil
	}
	bad := func(field string, v float64, want string) error {
		return fmt.Errorf("contact: customer %q: %s %v: want %s", c.ID, field, v, want)
	}
	switch {
	case !(c.PAlive >= 0 && c.PAlive <= 1):
		return bad("p_alive", c.PAlive, "a probability in [0, 1]")
	case math.IsNaN(c.CLV) || math.IsInf(c.CLV, 0):
		return bad("clv", c.CLV, "a finite value")
	case !(c.ExpectedSpend >= 0 && c.ExpectedSpend < math.Inf(1)):
		return bad("expected_spend", c.ExpectedSpend, "a finite value >= 0")
	case !(c.ExpectedPurchases >= 0 && c.ExpectedPurchases < math.Inf(1)):
		return bad("expected_purchases", c.ExpectedPurchases, "a finite value >= 0")
	}
	return nil
}

func (h Hours) valid() bool { return h.From < h.To && h.To <= 24 }

// Interval returns the customer's own purchase rhythm in days: the mean gap
// between its first and last purchase days, (Last - First) / (Occasions -
// 1); with fewer than two purchase days, 364 / ExpectedPurchases from the
// purchase model when that is positive; else 0 (unknown).
func (c *Customer) Interval() float64 {
	if c.Occasions >= 2 && c.Last.After(c.First) {
		return c.Last.Sub(c.First).Hours() / 24 / float64(c.Occasions-1)
	}
	if c.Forecast && c.ExpectedPurchases > 0 {
		return 364 / c.ExpectedPurchases
	}
	return 0
}

// FromProfile returns the Customer of p. The channel preference is
// p.Attributes.Channel; a customer whose host supplied attributes
// (Attributes.Customer set) without Consent is opted out of every channel;
// one without attributes is not. An unknown channel name is an error naming
// the customer.
func FromProfile(p *profile.Profile) (Customer, error) {
	c := Customer{
		ID: p.Customer, Quadrant: p.Value.Quadrant, Tier: p.Value.Tier, Segment: p.Segment,
		Stage: p.Stage(), Since: p.Lifecycle.Since(),
		First: p.Summary.First, Last: p.Summary.Last, Occasions: p.Summary.Occasions, Flags: p.Flags,
	}
	if p.Transition.Changed() {
		c.From = p.Transition.From
	}
	if p.CLV.OK {
		c.Forecast, c.PAlive, c.ExpectedPurchases, c.ExpectedSpend, c.CLV = true, p.CLV.PAlive, p.CLV.ExpectedPurchases, p.CLV.ExpectedSpend, p.CLV.Value
	}
	ch, err := ParseChannel(p.Attributes.Channel)
	if err != nil {
		return c, fmt.Errorf("contact: customer %q: %w", p.Customer, err)
	}
	c.Channel = ch
	if p.Attributes.Customer != "" && !p.Attributes.Consent {
		c.OptOut = AllChannels
	}
	return c, nil
}

// Customers appends the Customer of every profile of f to dst (allocated
// when nil) and returns it, in f's order; see FromProfile.
func Customers(dst []Customer, f *profile.File) ([]Customer, error) {
	dst = dst[:0]
	if cap(dst) < len(f.Profiles) {
		dst = make([]Customer, 0, len(f.Profiles))
	}
	for i := range f.Profiles {
		c, err := FromProfile(&f.Profiles[i])
		if err != nil {
			return dst, err
		}
		dst = append(dst, c)
	}
	return dst, nil
}

// Contact is one past contact of the host's contact history.
type Contact struct {
	Customer string    // the customer's ID
	At       time.Time // when the contact was made
	Rule     string    // the rule that sent it ("" for a contact outside the rules)
	Channel  Channel
	// Responded says the customer responded; Complaint that the contact
	// (or anything at that time) brought a complaint.
	Responded bool
	Complaint bool
}

// Complaints counts, per customer, the complaints of history in the 12
// months (365 days) up to asOf, for the customer file's next build
// (profile.Attributes.Failures12m, which the recovery playbooks read): the
// contacts feed back into the file. Contacts after asOf are left out; an
// empty history gives an empty map.
func Complaints(history []Contact, asOf time.Time) map[string]int {
	out := map[string]int{}
	for i := range history {
		c := &history[i]
		if c.Complaint && !c.At.After(asOf) && asOf.Sub(c.At) < 365*24*time.Hour {
			out[c.Customer]++
		}
	}
	return out
}
