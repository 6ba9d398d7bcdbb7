package value

import "math"

// The constants of FreeBSD's e_log.c (as in Go's math.log): ln 2 split in
// a high and a low part, and the Remez polynomial's coefficients.
const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
	l1    = 6.666666666666735130e-01
	l2    = 3.999999999940941908e-01
	l3    = 2.857142874366239149e-01
	l4    = 2.222219843214978396e-01
	l5    = 1.818357216161805012e-01
	l6    = 1.531383769920937332e-01
	l7    = 1.479819860511658591e-01
)

// lnNormal returns ln(y) for a positive, normal, finite y. It is the
// algorithm of FreeBSD's e_log.c, as in the Go standard library's math.log
// (reduction to m in [sqrt(2)/2, sqrt(2)) and a Remez polynomial in
// s = f/(2+f) with f = m - 1, error below 1 ulp), with the reduction done
// branch-free on the bits so that the scoring loop (addLogMinMax, which
// repeats this body) runs without calls or mispredicted branches; it is
// several times faster than math.Log1p there. Callers guarantee the domain.
func lnNormal(y float64) float64 {
	// Branch-free reduction (FreeBSD e_log.c): y = 2^k * m with m in
	// [sqrt(2)/2, sqrt(2)), done on the high word of y.
	b := math.Float64bits(y)
	hx := b>>32 + (0x3ff00000 - 0x3fe6a09e)
	k := float64(int64(hx>>20) - 0x3ff)
	m := math.Float64frombits((hx&0x000fffff+0x3fe6a09e)<<32 | b&0xffffffff)
	f := m - 1
	s := f / (2 + f)
	s2 := s * s
	s4 := s2 * s2
	t1 := s2 * (l1 + s4*(l3+s4*(l5+s4*l7)))
	t2 := s4 * (l2 + s4*(l4+s4*l6))
	r := t1 + t2
	hfsq := 0.5 * f * f
	return k*ln2Hi - ((hfsq - (s*(hfsq+r) + k*ln2Lo)) - f)
}

// addLogMinMax adds w*clamp(off + scale*ln(1+x), 0, 1) to ac[i] for each
// x = col[i], with the body of lnNormal written out so that the loop runs
// without calls. Values below 1e-3 (and negative ones) take the exact
// slog path. It stops and returns false at the first NaN or infinite x,
// leaving ac partly updated; it returns true otherwise.
func addLogMinMax(ac, col []float64, w, off, scale float64) bool {
	ac = ac[:len(col)]
	for i, x := range col {
		var lx float64
		if x >= 1e-3 && x <= math.MaxFloat64 {
			b := math.Float64bits(1 + x)
			hx := b>>32 + (0x3ff00000 - 0x3fe6a09e)
			k := float64(int64(hx>>20) - 0x3ff)
			m := math.Float64frombits((hx&0x000fffff+0x3fe6a09e)<<32 | b&0xffffffff)
			f := m - 1
			s := f / (2 + f)
			s2 := s * s
			s4 := s2 * s2
			t1 := s2 * (l1 + s4*(l3+s4*(l5+s4*l7)))
			t2 := s4 * (l2 + s4*(l4+s4*l6))
			r := t1 + t2
			hfsq := 0.5 * f * f
			lx = k*ln2Hi - ((hfsq - (s*(hfsq+r) + k*ln2Lo)) - f)
		} else {
			if x-x != 0 {
				return false
			}
			lx = slog(x)
		}
		r := off + scale*lx
		if r < 0 {
			r = 0
		} else if r > 1 {
			r = 1
		}
		ac[i] += w * r
	}
	return true
}

// addMinMax adds w*clamp(off + scale*x, 0, 1) to ac[i] for each x =
// col[i]. It stops and returns false at the first NaN or infinite x,
// leaving ac partly updated; it returns true otherwise.
func addMinMax(ac, col []float64, w, off, scale float64) bool {
	ac = ac[:len(col)]
	for i, x := range col {
		if x-x != 0 {
			return false
		}
		r := off + scale*x
		if r < 0 {
			r = 0
		} else if r > 1 {
			r = 1
		}
		ac[i] += w * r
	}
	return true
}
