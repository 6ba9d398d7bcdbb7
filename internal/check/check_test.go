package check

import (
	"errors"
	"math"
	"testing"
)

func TestClose(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		got, want, rel, abs float64
		ok                  bool
	}{
		{1, 1, 0, 0, true},
		{1, 1 + 1e-10, 1e-9, 0, true},
		{1, 1 + 1e-8, 1e-9, 0, false},
		{0, 1e-12, 0, 1e-11, true},
		{0, 1e-10, 0, 1e-11, false},
		{math.NaN(), math.NaN(), 0, 0, true},
		{math.NaN(), 1, 1, 1, false},
		{inf, inf, 0, 0, true},
		{inf, -inf, 1, 1, false},
		{inf, 1e308, 1, 1, false},
	}
	for _, tt := range tests {
		if got := Close(tt.got, tt.want, tt.rel, tt.abs); got != tt.ok {
			t.Errorf("Close(%g, %g, %g, %g) = %v, want %v", tt.got, tt.want, tt.rel, tt.abs, got, tt.ok)
		}
	}
}

func TestMust(t *testing.T) {
	if Must(3, nil) != 3 {
		t.Fatal("Must changed the value")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Must did not panic on an error")
		}
	}()
	Must(0, errors.New("x"))
}
