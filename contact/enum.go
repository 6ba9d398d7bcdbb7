package contact

import (
	"fmt"
	"strings"
)

// enumText is the shared text form of the package's enums: names by value,
// index 0 included; parse ignores case and surrounding space.
func enumParse(kind string, names []string, s string) (int, error) {
	s = strings.TrimSpace(s)
	for i, n := range names {
		if n != "" && strings.EqualFold(n, s) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("contact: unknown %s %q (want %s)", kind, s, strings.Join(nonEmpty(names), ", "))
}

func nonEmpty(names []string) []string {
	var out []string
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

func enumString(kind string, names []string, i int) string {
	if i >= 0 && i < len(names) && names[i] != "" {
		return names[i]
	}
	return fmt.Sprintf("%s(%d)", kind, i)
}

func enumMarshal(kind string, names []string, i int) ([]byte, error) {
	if i >= 0 && i < len(names) && names[i] != "" {
		return []byte(names[i]), nil
	}
	return nil, fmt.Errorf("contact: invalid %s %d", kind, i)
}

// Channel is a contact channel. The zero Channel is no channel (no stated
// preference).
type Channel uint8

// The channels, cheapest first with the default costs.
const (
	NoChannel Channel = iota
	Push              // app push notification
	Email             // e-mail
	SMS               // text message
	Mail              // letter or catalogue
	Phone             // a call by a person
	numChannels
)

// NumChannels is the number of channels, NoChannel included: the length of
// per-channel arrays such as Settings.Costs.
const NumChannels = int(numChannels)

var channelNames = []string{"", "push", "email", "sms", "mail", "phone"}

// String returns the channel's name ("email"), "" for NoChannel.
func (c Channel) String() string {
	if c == NoChannel {
		return ""
	}
	return enumString("channel", channelNames, int(c))
}

// MarshalText encodes c as its name; NoChannel is the empty text and an
// unknown value an error.
func (c Channel) MarshalText() ([]byte, error) {
	if c == NoChannel {
		return []byte{}, nil
	}
	return enumMarshal("channel", channelNames, int(c))
}

// UnmarshalText decodes a name String writes, ignoring case; the empty
// text is NoChannel and an unknown name an error naming it.
func (c *Channel) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*c = NoChannel
		return nil
	}
	i, err := enumParse("channel", channelNames, string(b))
	if err != nil {
		return err
	}
	*c = Channel(i)
	return nil
}

// ParseChannel parses a channel name ("email", "sms", "push", "mail",
// "phone"), ignoring case; "" is NoChannel; anything else is an error.
func ParseChannel(s string) (Channel, error) {
	var c Channel
	err := c.UnmarshalText([]byte(s))
	return c, err
}

// ChannelSet is a set of channels, one bit per Channel.
type ChannelSet uint8

// AllChannels is every channel: a global opt-out.
const AllChannels ChannelSet = 1<<numChannels - 2

// Has says whether c is in s.
func (s ChannelSet) Has(c Channel) bool { return s&(1<<c) != 0 }

// With returns s with c added.
func (s ChannelSet) With(c Channel) ChannelSet { return s | 1<<c }

// String returns "all" for AllChannels, else the channel names joined by
// "|" ("" for the empty set).
func (s ChannelSet) String() string {
	if s&AllChannels == AllChannels {
		return "all"
	}
	var b []string
	for c := Push; c < numChannels; c++ {
		if s.Has(c) {
			b = append(b, c.String())
		}
	}
	return strings.Join(b, "|")
}

// ParseChannelSet parses a set as String writes it; it also accepts the
// booleans of an opt-out column: "true", "yes", "1" and "all" are every
// channel, "false", "no", "0" and "" none. Names may be separated by "|",
// "," or ";".
func ParseChannelSet(s string) (ChannelSet, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "no", "0", "none":
		return 0, nil
	case "true", "yes", "1", "all", "y", "t":
		return AllChannels, nil
	}
	var set ChannelSet
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' || r == ';' }) {
		c, err := ParseChannel(f)
		if err != nil {
			return 0, err
		}
		if c != NoChannel {
			set = set.With(c)
		}
	}
	return set, nil
}

// MarshalText encodes s as String writes it.
func (s ChannelSet) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes what ParseChannelSet accepts.
func (s *ChannelSet) UnmarshalText(b []byte) error {
	v, err := ParseChannelSet(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ChannelReason says why a decision's channel was chosen.
type ChannelReason uint8

// The channel reasons, in the order they are tried.
const (
	NoReason ChannelReason = iota
	// Stated: the customer's stated preference, which always wins (unless
	// the customer opted out of it, then there is no contact).
	Stated
	// History: the channel the customer last responded on, among the
	// rule's channels the customer has not opted out of.
	History
	// Cheapest: the cheapest of the rule's channels the customer has not
	// opted out of.
	Cheapest
)

var reasonNames = []string{"", "stated", "history", "cheapest"}

// String returns the reason's name.
func (r ChannelReason) String() string { return enumString("reason", reasonNames, int(r)) }

// MarshalText encodes r as its name.
func (r ChannelReason) MarshalText() ([]byte, error) {
	return enumMarshal("reason", reasonNames, int(r))
}

// UnmarshalText decodes a name String writes.
func (r *ChannelReason) UnmarshalText(b []byte) error {
	i, err := enumParse("reason", reasonNames, string(b))
	*r = ChannelReason(i)
	return err
}

// TriggerKind is what makes a rule fire.
type TriggerKind uint8

// The trigger kinds; see Trigger for the fields each reads.
const (
	NoTrigger     TriggerKind = iota
	Transition                // a lifecycle stage change into Trigger.To within the window
	AliveBelow                // P(alive) below Trigger.Level
	Overdue                   // no purchase for Trigger.Factor times the customer's own interval
	Anniversary               // a first-purchase anniversary within the window
	SegmentChange             // the RFM segment changed between the previous period and this one
	FollowUp                  // a recovery follow-up day after the last resolution
	Schedule                  // every Trigger.Every days from Trigger.Start
)

var triggerNames = []string{"", "transition", "alive_below", "overdue", "anniversary", "segment_change", "follow_up", "schedule"}

// String returns the kind's name ("transition").
func (k TriggerKind) String() string { return enumString("trigger", triggerNames, int(k)) }

// MarshalText encodes k as its name; NoTrigger and unknown values are an
// error.
func (k TriggerKind) MarshalText() ([]byte, error) {
	return enumMarshal("trigger", triggerNames, int(k))
}

// UnmarshalText decodes a name String writes.
func (k *TriggerKind) UnmarshalText(b []byte) error {
	i, err := enumParse("trigger", triggerNames, string(b))
	*k = TriggerKind(i)
	return err
}

// OfferKind is how an offer's cost is set.
type OfferKind uint8

// The offer kinds.
const (
	NoOffer    OfferKind = iota // no reward: the message alone
	FixedOffer                  // a fixed amount (a voucher): Offer.Amount
	ShareOffer                  // a share of the customer's expected spend (a discount): Offer.Amount x ExpectedSpend
)

var offerNames = []string{"none", "fixed", "share"}

// String returns the kind's name.
func (k OfferKind) String() string { return enumString("offer", offerNames, int(k)) }

// MarshalText encodes k as its name.
func (k OfferKind) MarshalText() ([]byte, error) { return enumMarshal("offer", offerNames, int(k)) }

// UnmarshalText decodes a name String writes.
func (k *OfferKind) UnmarshalText(b []byte) error {
	i, err := enumParse("offer", offerNames, string(b))
	*k = OfferKind(i)
	return err
}

// TimingKind is how a send time is chosen.
type TimingKind uint8

// The timing kinds. Every send time is then moved to the as-of when
// earlier and into the allowed hours.
const (
	Now    TimingKind = iota // at the as-of
	Delay                    // Timing.Days after the trigger fired
	Rhythm                   // at the customer's expected next purchase: the last purchase plus its own interval
)

var timingNames = []string{"now", "delay", "rhythm"}

// String returns the kind's name.
func (k TimingKind) String() string { return enumString("timing", timingNames, int(k)) }

// MarshalText encodes k as its name.
func (k TimingKind) MarshalText() ([]byte, error) { return enumMarshal("timing", timingNames, int(k)) }

// UnmarshalText decodes a name String writes.
func (k *TimingKind) UnmarshalText(b []byte) error {
	i, err := enumParse("timing", timingNames, string(b))
	*k = TimingKind(i)
	return err
}

// Basis is the incremental value a response brings.
type Basis uint8

// The value bases.
const (
	// Spend: the expected value of one purchase (cross-sell, reminder).
	Spend Basis = iota
	// CLV: the customer's discounted CLV (lock-in, follow-up).
	CLV
	// AtRisk: the CLV the customer would have if surely alive, minus the
	// CLV: CLV x (1 - P(alive)) / max(P(alive), 0.05) (save, win-back).
	AtRisk
)

var basisNames = []string{"spend", "clv", "at_risk"}

// String returns the basis name.
func (b Basis) String() string { return enumString("basis", basisNames, int(b)) }

// MarshalText encodes b as its name.
func (b Basis) MarshalText() ([]byte, error) { return enumMarshal("basis", basisNames, int(b)) }

// UnmarshalText decodes a name String writes.
func (b *Basis) UnmarshalText(t []byte) error {
	i, err := enumParse("basis", basisNames, string(t))
	*b = Basis(i)
	return err
}
