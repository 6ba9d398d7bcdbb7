package lifecycle

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Stage is where a customer relationship stands. The zero value, None, is a
// customer with no purchase yet.
type Stage uint8

// The stages of the relationship lifecycle (Dwyer, Schurr & Oh 1987),
// plus the ended state.
const (
	None        Stage = iota // no purchase yet
	Exploration              // trial orders, low trust
	Formation                // volume rising fast, trust growing
	Stability                // high and steady volume, highest trust
	Decline                  // volume falling
	Ended                    // relationship terminated
)

var stageNames = [...]string{"none", "exploration", "formation", "stability", "decline", "ended"}

// String returns the lower-case name of the stage, such as "stability",
// or "Stage(n)" for a value that is not a stage.
func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}

// MarshalText encodes s by its name, as String writes it; a value that is
// not a stage is an error wrapping ErrUnknownStage.
func (s Stage) MarshalText() ([]byte, error) {
	if int(s) >= len(stageNames) {
		return nil, fmt.Errorf("%w: %d", ErrUnknownStage, uint8(s))
	}
	return []byte(stageNames[s]), nil
}

// UnmarshalText decodes a stage name accepted by [ParseStage].
func (s *Stage) UnmarshalText(b []byte) error {
	v, err := ParseStage(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseStage returns the stage named name, as String writes it ("none",
// "exploration", "formation", "stability", "decline", "ended"), ignoring
// case and surrounding space. Any other string, "" included, is an error
// wrapping ErrUnknownStage.
func ParseStage(name string) (Stage, error) {
	if i := nameIndex(stageNames[:], name); i >= 0 {
		return Stage(i), nil
	}
	return None, fmt.Errorf("%w: %q (want none, exploration, formation, stability, decline or ended)", ErrUnknownStage, name)
}

// nameIndex returns the index of name in names, ignoring case and
// surrounding space, or -1. An empty name is never found.
func nameIndex(names []string, name string) int {
	name = strings.TrimSpace(name)
	if name == "" {
		return -1
	}
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// Active reports whether s is one of the four stages of a living
// relationship: Exploration, Formation, Stability or Decline.
func (s Stage) Active() bool { return s >= Exploration && s <= Decline }

// Edge is one allowed stage change.
type Edge struct {
	From, To Stage
}

// table is the transition table; see [TransitionTable].
var table = [...]Edge{
	{None, Exploration},      // first purchase
	{Exploration, Formation}, // repeated orders with rising volume
	{Exploration, Decline},   // recency or sustained drop
	{Exploration, Ended},     // recency far beyond the usual interval, or termination
	{Formation, Stability},   // a year of regular, steady volume
	{Formation, Decline},     //
	{Formation, Ended},       //
	{Stability, Decline},     //
	{Stability, Ended},       //
	{Decline, Exploration},   // recovery to the stage before the decline
	{Decline, Formation},     // recovery
	{Decline, Stability},     // recovery
	{Decline, Ended},         // recency or termination
	{Ended, Exploration},     // re-activation: a new order after the end
}

// allowed[from][to] mirrors table for constant-time look-up.
var allowed = func() (a [Ended + 1][Ended + 1]bool) {
	for _, e := range table {
		a[e.From][e.To] = true
	}
	return a
}()

// TransitionTable returns the state machine's transition table: the
// allowed stage changes, in a fresh slice the caller may modify.
//
//	none        -> exploration                      first purchase
//	exploration -> formation | decline | ended
//	formation   -> stability | decline | ended
//	stability   -> decline | ended
//	decline     -> exploration | formation | stability (recovery to the
//	               stage before the decline) | ended
//	ended       -> exploration                      re-activation
//
// Stages only move up one step at a time, every fall goes through Decline
// or straight to Ended, and nothing returns to None. [Apply] never makes a
// change outside this table, and [State.Move] rejects one with a
// *TransitionError.
func TransitionTable() []Edge {
	out := make([]Edge, len(table))
	copy(out, table[:])
	return out
}

// Allowed reports whether the change from -> to is in the
// [TransitionTable]. A stage outside None..Ended is never allowed.
func Allowed(from, to Stage) bool {
	if from > Ended || to > Ended {
		return false
	}
	return allowed[from][to]
}

// Sentinel errors; the typed errors [EventError], [TransitionError] and
// [DecodeError] wrap them. Test with errors.Is.
var (
	// ErrNotAllowed marks a stage change outside the [TransitionTable].
	ErrNotAllowed = errors.New("lifecycle: transition not allowed")
	// ErrUnknownStage marks a stage name or number that is not a Stage.
	ErrUnknownStage = errors.New("lifecycle: unknown stage")
	// ErrUnknownKind marks an event whose Kind is not one of the Kind
	// constants.
	ErrUnknownKind = errors.New("lifecycle: unknown event kind")
	// ErrOutOfOrder marks an event, tick included, earlier than the last
	// event applied to the state.
	ErrOutOfOrder = errors.New("lifecycle: event before the last event")
	// ErrZeroTime marks an event with the zero time.
	ErrZeroTime = errors.New("lifecycle: zero event time")
	// ErrAmount marks a NaN, infinite or negative amount.
	ErrAmount = errors.New("lifecycle: amount is NaN, infinite or negative")
	// ErrUnknownName marks a rule, pattern or cadence name that is not
	// one of the type's names.
	ErrUnknownName = errors.New("lifecycle: unknown name")
	// ErrNotGrouped marks a stream that [ClassifyEach] found not grouped
	// by customer after it had handed results over.
	ErrNotGrouped = errors.New("lifecycle: stream not grouped by customer")
	// ErrTooLarge marks an input beyond one of [Classify]'s size limits,
	// which the error names (about two billion customers, or about eight
	// million in one of the 256 partitions of a stream not grouped by
	// customer).
	ErrTooLarge = errors.New("lifecycle: input too large")
)

// TransitionError reports a stage change that the [TransitionTable] does
// not allow.
type TransitionError struct {
	From, To Stage
	At       time.Time
}

// Error names the two stages and the time.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("lifecycle: %v -> %v at %s: transition not allowed", e.From, e.To, e.At.UTC().Format(time.RFC3339))
}

// Unwrap returns ErrNotAllowed.
func (e *TransitionError) Unwrap() error { return ErrNotAllowed }
