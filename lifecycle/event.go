package lifecycle

import (
	"fmt"
	"time"
)

// Kind is the kind of an [Event].
type Kind uint8

// The event kinds. The zero Kind is not an event kind: [Apply] rejects it
// with ErrUnknownKind, as any value above Tick.
const (
	_ Kind = iota
	// Purchase is an order; Amount is its value, >= 0. A purchase on a
	// calendar day (UTC) that already has one is part of the same purchase
	// occasion.
	Purchase
	// Return is a return or refund; Amount is the returned value as a
	// positive number. It lowers the month's net volume.
	Return
	// Contact is an interaction with the customer (a call, a visit, a reply
	// to a mailing). It is counted; the default rules do not move stages on
	// it.
	Contact
	// Complaint is a complaint by the customer. It is counted for the host
	// and the recovery package; the default rules do not move stages on it.
	Complaint
	// Termination is the explicit end of the relationship (a cancelled
	// contract, a closed account): any active stage moves to Ended at once.
	Termination
	// Tick is time passing. Stages other than the first purchase,
	// re-activation and termination change only at ticks, so "no order for
	// 90 days" is decided when the clock says so.
	Tick
)

var kindNames = [...]string{"", "purchase", "return", "contact", "complaint", "termination", "tick"}

// String returns the lower-case name of the kind, such as "purchase", or
// "Kind(n)" for a value that is not a kind.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText encodes k by its name, as String writes it; a value that is
// not a kind is an error wrapping ErrUnknownKind.
func (k Kind) MarshalText() ([]byte, error) {
	if k == 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("%w: %d", ErrUnknownKind, uint8(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind name as String writes it ("purchase",
// "return", "contact", "complaint", "termination", "tick"), ignoring case
// and surrounding space; any other name is an error wrapping
// ErrUnknownKind.
func (k *Kind) UnmarshalText(b []byte) error {
	i := nameIndex(kindNames[:], string(b))
	if i <= 0 {
		return fmt.Errorf("%w: %q", ErrUnknownKind, b)
	}
	*k = Kind(i)
	return nil
}

// Event is one thing that happens to a customer relationship.
//
// Time is kept to the second, in UTC; calendar months and days are UTC.
// Amount is read for Purchase and Return only, where it must be finite and
// >= 0 (NaN, ±Inf or a negative amount is an error wrapping ErrAmount); it
// is ignored, whatever its value, for the other kinds.
type Event struct {
	Kind   Kind      // what happened
	Time   time.Time // when; the zero time is an error (ErrZeroTime)
	Amount float64   // the amount, for Purchase and Return
}

// EventError reports an event that [Apply] rejected, with the time of the
// last event the state had seen.
type EventError struct {
	Kind Kind      // the event's kind
	Time time.Time // the event's time
	Last time.Time // the state's last event time; zero if none
	Err  error     // ErrUnknownKind, ErrOutOfOrder, ErrZeroTime, ErrAmount or a *TransitionError
}

// Error describes the event, the last event's time when known, and the cause.
func (e *EventError) Error() string {
	s := fmt.Sprintf("lifecycle: %v event at %s", e.Kind, e.Time.UTC().Format(time.RFC3339))
	if e.Err == ErrOutOfOrder {
		s += fmt.Sprintf(" (last event at %s)", e.Last.UTC().Format(time.RFC3339))
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *EventError) Unwrap() error { return e.Err }
