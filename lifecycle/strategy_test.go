package lifecycle

import "testing"

func TestDefaultStrategies(t *testing.T) {
	// The strategies, by stage; each call returns fresh data.
	want := map[Stage]string{Exploration: "acquisition", Formation: "formation", Stability: "stability", Decline: "decline", Ended: "win-back"}
	a := DefaultStrategies()
	for st, name := range want {
		if a[st].Name != name || a[st].Goal == "" || len(a[st].Actions) == 0 {
			t.Errorf("%v: %+v, want name %q with a goal and actions", st, a[st], name)
		}
	}
	if _, ok := a[None]; ok {
		t.Error("a strategy for none")
	}
	a[Decline].Actions[0] = "changed"
	a[Stability] = Strategy{Name: "mine"}
	b := DefaultStrategies()
	if b[Decline].Actions[0] == "changed" || b[Stability].Name != "stability" {
		t.Error("DefaultStrategies shares memory between calls")
	}
}
