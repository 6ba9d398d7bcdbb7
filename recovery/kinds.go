package recovery

import (
	"fmt"
	"strings"
)

// FailureType is the kind of service failure. The zero value is not a valid
// failure type; the six valid ones are the constants below.
type FailureType uint8

// The failure types. Each has a remedy kind that fits it by default
// ([Settings.Remedy]); see the package documentation for the sources.
const (
	MoneyLoss     FailureType = iota + 1 // money lost by the customer, such as a billing error
	Defect                               // a defective product
	Delivery                             // a late or failed delivery
	FailedService                        // a service not performed or performed wrongly
	Staff                                // staff behaviour or neglect
	Outage                               // the service was unavailable
)

// NumFailureTypes is the number of valid failure types.
const NumFailureTypes = 6

var failureNames = [...]string{"", "billing", "defect", "delivery", "service", "staff", "outage"}

// failureAliases maps accepted spellings to failure types.
var failureAliases = map[string]FailureType{
	"billing": MoneyLoss, "money": MoneyLoss, "money-loss": MoneyLoss, "moneyloss": MoneyLoss,
	"defect": Defect, "defective": Defect, "product": Defect,
	"delivery": Delivery, "late": Delivery,
	"service": FailedService, "failed-service": FailedService,
	"staff": Staff, "behaviour": Staff, "behavior": Staff, "neglect": Staff,
	"outage": Outage,
}

// Valid reports whether t is one of the six failure types.
func (t FailureType) Valid() bool { return t >= MoneyLoss && t <= Outage }

// String returns the short name of t, such as "delivery", or
// "FailureType(n)" for an invalid value.
func (t FailureType) String() string {
	if t.Valid() {
		return failureNames[t]
	}
	return fmt.Sprintf("FailureType(%d)", uint8(t))
}

// MarshalText encodes t by its short name; an invalid t is an error.
func (t FailureType) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownFailure, uint8(t))
	}
	return []byte(failureNames[t]), nil
}

// UnmarshalText decodes a name accepted by [ParseFailureType].
func (t *FailureType) UnmarshalText(b []byte) error {
	v, err := ParseFailureType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseFailureType parses a failure type name, case-insensitively: billing
// (or money, money-loss), defect (defective, product), delivery (late),
// service (failed-service), staff (behaviour, behavior, neglect), outage.
// Anything else, including the empty string, is an error wrapping
// [ErrUnknownFailure].
func ParseFailureType(s string) (FailureType, error) {
	if t, ok := failureAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return t, nil
	}
	return 0, fmt.Errorf("%w: %q (want billing, defect, delivery, service, staff or outage)", ErrUnknownFailure, s)
}

// Severity is how serious a failure is, S1 to S4. The zero value is not a
// valid severity.
//
//	S1  no impact on the customer beyond the inconvenience
//	S2  minor impact: the customer had to act, lost a little time or money
//	S3  major impact: part of the customer's use or operations affected
//	S4  the customer's operations stopped, a safety issue, or a repeat
//	    serious (S3 or S4) failure within 90 days
//
// Classifying a failure is the caller's job; the 90-day repeat rule for S4
// is applied by whoever classifies it, not by this package.
type Severity uint8

// The severities.
const (
	S1 Severity = iota + 1
	S2
	S3
	S4
)

// NumSeverities is the number of valid severities.
const NumSeverities = 4

// Valid reports whether s is S1, S2, S3 or S4.
func (s Severity) Valid() bool { return s >= S1 && s <= S4 }

// String returns "S1" to "S4", or "Severity(n)" for an invalid value.
func (s Severity) String() string {
	if s.Valid() {
		return fmt.Sprintf("S%d", uint8(s))
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText encodes s as "S1" to "S4"; an invalid s is an error.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownSeverity, uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a severity accepted by [ParseSeverity].
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses "S1" to "S4" (case-insensitive) or "1" to "4".
// Anything else is an error wrapping [ErrUnknownSeverity].
func ParseSeverity(str string) (Severity, error) {
	v := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(str)), "S")
	if len(v) == 1 && v[0] >= '1' && v[0] <= '4' {
		return Severity(v[0] - '0'), nil
	}
	return 0, fmt.Errorf("%w: %q (want S1, S2, S3 or S4)", ErrUnknownSeverity, str)
}

// Remedy is the kind of compensation that fits a failure (Smith, Bolton &
// Wagner 1999: customers prefer recovery resources that match the failure).
type Remedy uint8

// The remedy kinds.
const (
	RemedyMoney         Remedy = iota + 1 // refund, credit or discount
	RemedyReplacement                     // replace the product
	RemedyReperformance                   // do the delivery or service again, at priority
	RemedyAttention                       // apology, explanation and personal attention; a goodwill gesture at most
)

var remedyNames = [...]string{"", "money", "replacement", "re-performance", "attention"}

// Valid reports whether r is one of the four remedy kinds.
func (r Remedy) Valid() bool { return r >= RemedyMoney && r <= RemedyAttention }

// String returns the remedy's name, such as "replacement".
func (r Remedy) String() string {
	if r.Valid() {
		return remedyNames[r]
	}
	return fmt.Sprintf("Remedy(%d)", uint8(r))
}

// MarshalText encodes r by name; an invalid r is an error.
func (r Remedy) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("recovery: invalid remedy %d", uint8(r))
	}
	return []byte(remedyNames[r]), nil
}

// UnmarshalText decodes a remedy name as written by MarshalText.
func (r *Remedy) UnmarshalText(b []byte) error {
	for i := RemedyMoney; i <= RemedyAttention; i++ {
		if string(b) == remedyNames[i] {
			*r = i
			return nil
		}
	}
	return fmt.Errorf("recovery: unknown remedy %q", b)
}

// Apology is who apologises and how.
type Apology uint8

// The apology levels, in increasing order of weight.
const (
	ApologyFrontLine Apology = iota + 1 // the agent handling the case apologises
	ApologyManager                      // a manager apologises, with a written root cause
	ApologyExecutive                    // an executive apologises personally
)

var apologyNames = [...]string{"", "front-line", "manager", "executive"}

// Valid reports whether a is one of the three apology levels.
func (a Apology) Valid() bool { return a >= ApologyFrontLine && a <= ApologyExecutive }

// String returns the apology level's name, such as "executive".
func (a Apology) String() string {
	if a.Valid() {
		return apologyNames[a]
	}
	return fmt.Sprintf("Apology(%d)", uint8(a))
}

// MarshalText encodes a by name; an invalid a is an error.
func (a Apology) MarshalText() ([]byte, error) {
	if !a.Valid() {
		return nil, fmt.Errorf("recovery: invalid apology level %d", uint8(a))
	}
	return []byte(apologyNames[a]), nil
}

// UnmarshalText decodes an apology level name as written by MarshalText.
func (a *Apology) UnmarshalText(b []byte) error {
	for i := ApologyFrontLine; i <= ApologyExecutive; i++ {
		if string(b) == apologyNames[i] {
			*a = i
			return nil
		}
	}
	return fmt.Errorf("recovery: unknown apology level %q", b)
}

// Owner is who owns the case once it is escalated.
type Owner uint8

// The escalation owners.
const (
	OwnerAgent          Owner = iota + 1 // the front-line agent keeps the case
	OwnerServiceManager                  // the service (team) manager
	OwnerAccountManager                  // the customer's account manager (key accounts)
	OwnerExecutive                       // an executive sponsor
)

var ownerNames = [...]string{"", "agent", "service-manager", "account-manager", "executive"}

// Valid reports whether o is one of the four owners.
func (o Owner) Valid() bool { return o >= OwnerAgent && o <= OwnerExecutive }

// String returns the owner's name, such as "account-manager".
func (o Owner) String() string {
	if o.Valid() {
		return ownerNames[o]
	}
	return fmt.Sprintf("Owner(%d)", uint8(o))
}

// MarshalText encodes o by name; an invalid o is an error.
func (o Owner) MarshalText() ([]byte, error) {
	if !o.Valid() {
		return nil, fmt.Errorf("recovery: invalid owner %d", uint8(o))
	}
	return []byte(ownerNames[o]), nil
}

// UnmarshalText decodes an owner name as written by MarshalText.
func (o *Owner) UnmarshalText(b []byte) error {
	for i := OwnerAgent; i <= OwnerExecutive; i++ {
		if string(b) == ownerNames[i] {
			*o = i
			return nil
		}
	}
	return fmt.Errorf("recovery: unknown owner %q", b)
}
