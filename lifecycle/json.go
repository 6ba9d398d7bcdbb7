package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/envelope"
)

// The JSON formats of the package, in the library's envelope
// {"format": ..., "version": ..., ...}. Decoding a document of another
// format or version is a *[cvm.FormatError] naming both.
const (
	StateFormat       = "cvm.lifecycle.state"      // a [State]
	StateVersion      = 1                          // the version of StateFormat
	TransitionFormat  = "cvm.lifecycle.transition" // a [Transition]
	TransitionVersion = 1                          // the version of TransitionFormat
	SettingsFormat    = "cvm.lifecycle.settings"   // [Settings], the settings file of cvm lifecycle
	SettingsVersion   = 1                          // the version of SettingsFormat
)

// ErrCorrupt marks JSON that decodes but does not describe a valid State
// or Transition.
var ErrCorrupt = errors.New("lifecycle: invalid state")

// DecodeError reports JSON that could not be decoded into a [State],
// [Transition] or [Settings], naming the field.
type DecodeError struct {
	Format string // the format being decoded, such as StateFormat
	Field  string // JSON field name; empty when the JSON itself is malformed
	Err    error  // ErrCorrupt, ErrUnknownStage, ErrUnknownName, a *SettingsError or the decoding error
}

// Error names the format, the JSON field, if any, and the cause.
func (e *DecodeError) Error() string {
	msg := e.Err.Error()
	if strings.HasPrefix(msg, "lifecycle: decoding ") {
		return msg // from the envelope decoder, which names format and field
	}
	if e.Field == "" {
		return fmt.Sprintf("lifecycle: decoding %s: %s", e.Format, strings.TrimPrefix(msg, "lifecycle: "))
	}
	return fmt.Sprintf("lifecycle: decoding %s: field %q: %s", e.Format, e.Field, strings.TrimPrefix(msg, "lifecycle: "))
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// decode decodes data, a document of the given format and version, into v
// strictly: a *cvm.FormatError for another format or version, a
// *DecodeError naming the field for an unknown field, and a *DecodeError
// for malformed JSON or trailing data.
func decode(data []byte, format string, version int, v any) error {
	err := envelope.Decode("lifecycle", data, format, version, v)
	if err == nil {
		return nil
	}
	var fe *cvm.FormatError
	if errors.As(err, &fe) {
		return err
	}
	de := &DecodeError{Format: format, Err: err}
	if _, after, ok := strings.Cut(err.Error(), `unknown field "`); ok {
		de.Field, _, _ = strings.Cut(after, `"`)
	}
	return de
}

type stateJSON struct {
	envelope.Header
	Stage         string    `json:"stage"`
	Previous      string    `json:"previous"`
	Highest       string    `json:"highest"`
	Pending       string    `json:"pending"`
	Streak        uint8     `json:"streak"`
	Reactivations uint16    `json:"reactivations"`
	Since         int64     `json:"since_unix"`
	Start         int64     `json:"start_unix"`
	Last          int64     `json:"last_unix"`
	LastPurchase  int64     `json:"last_purchase_unix"`
	StabilitySecs int64     `json:"stability_seconds"`
	PreDecline    float32   `json:"pre_decline"`
	Month         int32     `json:"month"`
	Volumes       []float32 `json:"volumes"`
	Active        uint32    `json:"active"`
	Orders        int32     `json:"orders"`
	Returns       int32     `json:"returns"`
	Contacts      int32     `json:"contacts"`
	Complaints    int32     `json:"complaints"`
	Intervals     []int32   `json:"intervals"`
}

// MarshalJSON encodes the state in the envelope of [StateFormat]; times
// are Unix seconds, the month ring is the month index ("month",
// year*12 + month-1) of the first of 24 volumes, newest first, and
// "active" is the bit set of months with a purchase.
// [State.UnmarshalJSON] restores exactly the same State.
func (s State) MarshalJSON() ([]byte, error) {
	j := stateJSON{
		Header: envelope.New(StateFormat, StateVersion, nil), Stage: s.stage.String(), Previous: s.prev.String(),
		Highest: s.highest.String(), Pending: s.pending.String(), Streak: s.streak,
		Reactivations: s.reacts, Since: s.since, Start: s.start, Last: s.last,
		LastPurchase: s.lastBuy, StabilitySecs: s.stabSecs, PreDecline: s.preDecline,
		Month: s.head, Volumes: s.vol[:], Active: s.active, Orders: s.orders,
		Returns: s.returns, Contacts: s.contacts, Complaints: s.complaints,
	}
	j.Intervals = make([]int32, s.nIv)
	for i, d := range s.iv[:s.nIv] {
		j.Intervals[i] = int32(d)
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a state written by [State.MarshalJSON]. It
// returns a *cvm.FormatError for another format or version, a
// *DecodeError naming the field for an unknown field, malformed JSON or
// trailing data, and a *DecodeError wrapping ErrCorrupt or ErrUnknownStage
// for fields that no sequence of events could produce (a bad stage name,
// a NaN or infinite volume, a negative count, an interval outside 1 to
// 65535 days, other than 24 volumes, more than 10 intervals, a previous
// stage outside a decline). On error *s is unchanged.
func (s *State) UnmarshalJSON(data []byte) error {
	var j stateJSON
	if err := decode(data, StateFormat, StateVersion, &j); err != nil {
		return err
	}
	var n State
	var err error
	stage := func(field, name string, dst *Stage) {
		if err != nil {
			return
		}
		var e error
		if *dst, e = ParseStage(name); e != nil {
			err = &DecodeError{Format: StateFormat, Field: field, Err: e}
		}
	}
	stage("stage", j.Stage, &n.stage)
	stage("previous", j.Previous, &n.prev)
	stage("highest", j.Highest, &n.highest)
	stage("pending", j.Pending, &n.pending)
	if err != nil {
		return err
	}
	bad := func(field, why string) error {
		return &DecodeError{Format: StateFormat, Field: field, Err: fmt.Errorf("%w: %s", ErrCorrupt, why)}
	}
	switch {
	case (n.stage == Decline) != (n.prev >= Exploration && n.prev <= Stability):
		return bad("previous", "a previous stage exactly while in decline, one of exploration, formation, stability")
	case n.highest > Stability:
		return bad("highest", "beyond stability")
	case n.stage == Ended && n.pending != None:
		return bad("pending", "pending trend while ended")
	case len(j.Volumes) != ringMonths:
		return bad("volumes", fmt.Sprintf("%d volumes, want %d", len(j.Volumes), ringMonths))
	case len(j.Intervals) > ivCap:
		return bad("intervals", fmt.Sprintf("%d intervals, want at most %d", len(j.Intervals), ivCap))
	case j.Active&^ringMask != 0:
		return bad("active", "bits beyond 24 months")
	case j.Orders < 0 || j.Returns < 0 || j.Contacts < 0 || j.Complaints < 0:
		return bad("orders", "negative count")
	case j.StabilitySecs < 0:
		return bad("stability_seconds", "negative")
	case math.IsNaN(float64(j.PreDecline)) || math.IsInf(float64(j.PreDecline), 0):
		return bad("pre_decline", "not finite")
	}
	for i, v := range j.Volumes {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return bad("volumes", fmt.Sprintf("volume %d not finite", i))
		}
		n.vol[i] = v
	}
	for i, d := range j.Intervals {
		if d < 1 || d > maxInterval {
			return bad("intervals", fmt.Sprintf("interval %d is %d days", i, d))
		}
		n.iv[i] = uint16(d)
	}
	n.nIv = uint8(len(j.Intervals))
	srt := n.ivSorted[:n.nIv]
	copy(srt, n.iv[:n.nIv])
	slices.Sort(srt)
	n.streak, n.reacts = j.Streak, j.Reactivations
	n.since, n.start, n.last, n.lastBuy = j.Since, j.Start, j.Last, j.LastPurchase
	n.stabSecs, n.preDecline, n.head, n.active = j.StabilitySecs, j.PreDecline, j.Month, j.Active
	n.nextMonth = nextMonthOf(n.head)
	n.orders, n.returns, n.contacts, n.complaints = j.Orders, j.Returns, j.Contacts, j.Complaints
	*s = n
	return nil
}

type measuresJSON struct {
	Tenure     int32    `json:"tenure_days"`
	Orders     int32    `json:"orders"`
	Active6    int32    `json:"active6"`
	Active12   int32    `json:"active12"`
	Recency    int32    `json:"recency_days"`
	Interval   int32    `json:"interval_days"`
	Growth3    *float64 `json:"growth3"`
	Growth6    *float64 `json:"growth6"`
	YoY3       *float64 `json:"yoy3"`
	Volatility *float64 `json:"volatility"`
	Level3     *float64 `json:"level3"`
}

type transitionJSON struct {
	envelope.Header
	From     string       `json:"from"`
	To       string       `json:"to"`
	At       int64        `json:"at_unix"`
	Rule     string       `json:"rule"`
	Measures measuresJSON `json:"measures"`
}

func nanNull(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	return &x
}

func nullNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON encodes the transition in the envelope of
// [TransitionFormat]: stage and rule names, the time in Unix seconds,
// and the measures with NaN written as null. An infinite measure is an
// error. [Transition.UnmarshalJSON] restores exactly the same Transition.
func (tr Transition) MarshalJSON() ([]byte, error) {
	m := tr.Measures
	j := transitionJSON{
		Header: envelope.New(TransitionFormat, TransitionVersion, nil), From: tr.From.String(), To: tr.To.String(),
		At: tr.at, Rule: tr.Rule.String(),
		Measures: measuresJSON{
			Tenure: m.Tenure, Orders: m.Orders, Active6: m.Active6, Active12: m.Active12,
			Recency: m.Recency, Interval: m.Interval,
			Growth3: nanNull(m.Growth3), Growth6: nanNull(m.Growth6), YoY3: nanNull(m.YoY3),
			Volatility: nanNull(m.Volatility), Level3: nanNull(m.Level3),
		},
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a transition written by [Transition.MarshalJSON].
// It returns a *cvm.FormatError for another format or version and a
// *DecodeError naming the field for an unknown field or an unknown stage
// or rule name, or for malformed JSON; null measures decode as NaN. On
// error *tr is unchanged.
func (tr *Transition) UnmarshalJSON(data []byte) error {
	var j transitionJSON
	if err := decode(data, TransitionFormat, TransitionVersion, &j); err != nil {
		return err
	}
	from, err := ParseStage(j.From)
	if err != nil {
		return &DecodeError{Format: TransitionFormat, Field: "from", Err: err}
	}
	to, err := ParseStage(j.To)
	if err != nil {
		return &DecodeError{Format: TransitionFormat, Field: "to", Err: err}
	}
	var rule Rule
	if err := rule.UnmarshalText([]byte(j.Rule)); err != nil {
		return &DecodeError{Format: TransitionFormat, Field: "rule", Err: err}
	}
	m := j.Measures
	*tr = Transition{
		From: from, To: to, at: j.At, Rule: rule,
		Measures: Measures{
			Tenure: m.Tenure, Orders: m.Orders, Active6: m.Active6, Active12: m.Active12,
			Recency: m.Recency, Interval: m.Interval,
			Growth3: nullNaN(m.Growth3), Growth6: nullNaN(m.Growth6), YoY3: nullNaN(m.YoY3),
			Volatility: nullNaN(m.Volatility), Level3: nullNaN(m.Level3),
		},
	}
	return nil
}

// settingsJSON is Settings in its envelope; settingsFields drops the
// methods so that encoding does not recurse.
type (
	settingsFields Settings
	settingsJSON   struct {
		envelope.Header
		settingsFields
	}
)

// MarshalJSON encodes the settings in the envelope of [SettingsFormat],
// with the field names of the settings file ("decline_recency"); a zero
// field, which takes its default, is left out. Invalid settings are an
// error.
func (s Settings) MarshalJSON() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(settingsJSON{envelope.New(SettingsFormat, SettingsVersion, nil), settingsFields(s)})
}

// UnmarshalJSON decodes settings written by [Settings.MarshalJSON] or by
// hand. A missing field is zero and takes its default. It returns a
// *cvm.FormatError for another format or version, a *DecodeError naming
// the field for an unknown field (a misspelt rule never silently takes
// the default), and a *DecodeError wrapping a *SettingsError for a value
// out of range. On error *s is unchanged.
func (s *Settings) UnmarshalJSON(data []byte) error {
	var j settingsJSON
	if err := decode(data, SettingsFormat, SettingsVersion, &j); err != nil {
		return err
	}
	n := Settings(j.settingsFields)
	if err := n.Validate(); err != nil {
		var se *SettingsError
		errors.As(err, &se)
		return &DecodeError{Format: SettingsFormat, Field: se.JSON, Err: err}
	}
	*s = n
	return nil
}
