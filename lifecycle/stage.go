package lifecycle

import "fmt"

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

// String returns the lower-case name of the stage, such as "stability".
func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}
