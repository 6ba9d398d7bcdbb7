package kmeans

import "math"

// hamerlyChunk is Hamerly's (2010) exact assignment for chunk c: each row
// keeps an upper bound u on the distance to its centre a and a lower bound
// l on the distance to every other centre. After the centres move by
// delta_j, u += delta_a and l -= max_{j != a} delta_j; the row is skipped
// when u <= max(l, s_a), s_j being half the distance from centre j to its
// nearest other centre, since no centre can then be strictly closer.
//
// The bounds are stored relative to cumulative shifts, u_stored = u - S_a
// and l_stored = l + R_a with S_j = sum delta_j and R_j = sum max_{j' != j}
// delta_j', so a skipped row costs three reads and no write.
func (f *fitter) hamerlyChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d, k := f.d, f.k
	centers := f.centers
	changed := 0
	if !f.valid && d == 3 && hasFused3(k) {
		f.hamerlyFused3(c, lo, hi, true)
		return
	} else if !f.valid && d == 3 {
		f.hamerlyFirst3(c, lo, hi)
		return
	} else if !f.valid {
		for i := lo; i < hi; i++ {
			row := f.x[i*d : i*d+d]
			var j int32
			var b1, b2 float64
			if d == 3 {
				j, b1, b2 = nearestTwo3(row[0], row[1], row[2], f.c3)
			} else {
				j, b1, b2 = nearestTwo(row, centers, k, d)
			}
			if f.labels[i] != j {
				f.labels[i] = j
				changed++
			}
			f.bound.upper[i] = math.Sqrt(b1) - f.bound.cumS[j]
			f.bound.lower[i] = math.Sqrt(b2) + f.bound.cumR[j]
		}
		f.part.fails[c] = hi - lo
	} else if d == 3 && hasFused3(k) {
		f.hamerlyFused3(c, lo, hi, false)
		return
	} else if d == 3 && denseNext(f.part.fails[c], hi-lo) {
		f.hamerlyDense3(c, lo, hi)
		return
	} else {
		f.clearDelta(c)
		cumS, cumR, half := f.bound.cumS, f.bound.cumR, f.bound.half
		labels, upper, lower := f.labels[lo:hi], f.bound.upper[lo:hi], f.bound.lower[lo:hi]
		// First pass, without unpredictable branches: collect the rows
		// whose bounds do not prove their label.
		todo := f.bound.todo[lo:hi]
		cnt := hamerlyFilter(labels, upper, lower, cumS, cumR, half, todo)
		f.part.fails[c] = cnt
		if d == 3 {
			// A row whose bounds fail is rescanned against every centre
			// at once, without branches: at d = 3 that costs little more
			// than tightening its upper bound and a partial search, which
			// branch unpredictably, and it gives the exact second
			// distance, the tightest lower bound, so fewer rows fail in
			// later iterations.
			c3 := f.c3
			// The rows are first copied to a small buffer, a loop of
			// independent loads whose cache misses overlap, and then
			// scanned from there, a block at a time.
			var buf [3 * gatherRows]float64
			var lab [gatherRows]int32
			var d1, d2 [gatherRows]float64
			for t0 := 0; t0 < cnt; t0 += gatherRows {
				blk := todo[t0:min(t0+gatherRows, cnt)]
				for q, t := range blk {
					i := lo + int(t)
					r := f.x[i*3 : i*3+3 : i*3+3]
					b := buf[3*q : 3*q+3 : 3*q+3]
					b[0], b[1], b[2] = r[0], r[1], r[2]
				}
				nearestTwo3Block(buf[:3*len(blk)], c3, lab[:], d1[:], d2[:])
				for q, t := range blk {
					ii := int(t)
					a := labels[ii]
					j, b1, b2 := lab[q], d1[q], d2[q]
					if j != a {
						labels[ii] = j
						changed++
						f.move(c, lo+ii, a, j)
					}
					upper[ii] = math.Sqrt(b1) - cumS[j]
					lower[ii] = math.Sqrt(b2) + cumR[j]
				}
			}
			cnt = 0
		}
		for _, t := range todo[:cnt] {
			ii := int(t)
			a := labels[ii]
			m := max(half[a], lower[ii]-cumR[a])
			i := lo + ii
			row := f.x[i*d : i*d+d]
			ca := centers[int(a)*d : int(a)*d+d]
			var u2 float64
			if d == 3 {
				e0, e1, e2 := row[0]-ca[0], row[1]-ca[1], row[2]-ca[2]
				u2 = e0*e0 + e1*e1 + e2*e2
			} else {
				u2 = sqDist(row, ca)
			}
			if u2 <= m*m {
				upper[ii] = math.Sqrt(u2) - cumS[a]
				continue
			}
			j, u, l := f.hamerlySearch(row, a, u2)
			if j != a {
				labels[ii] = j
				changed++
				f.move(c, i, a, j)
			}
			upper[ii] = u - cumS[j]
			lower[ii] = l + cumR[j]
		}
	}
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}

// hamerlySearch finds the nearest centre to row, whose current centre a is
// at squared distance ua2, visiting the other centres in increasing order
// of their distance to c_a. By the triangle inequality ||x - c_j|| >=
// ||c_a - c_j|| - ||x - c_a||, so once that bound reaches the best distance
// found, no remaining centre can be strictly nearer and the bound serves as
// their lower bound. It returns the nearest centre, its distance and a
// lower bound on the distance to every other centre.
func (f *fitter) hamerlySearch(row []float64, a int32, ua2 float64) (int32, float64, float64) {
	k, d := f.k, f.d
	ua := math.Sqrt(ua2)
	best, b1, b2, bs := a, ua2, math.Inf(1), ua
	rest := math.Inf(1)
	cc := f.bound.cc[int(a)*k : int(a)*k+k]
	for _, j := range f.bound.nb[int(a)*(k-1) : int(a)*(k-1)+k-1] {
		lb := 2*cc[j] - ua
		if lb >= bs {
			rest = lb
			break
		}
		var dd float64
		if d == 3 {
			cj := &f.c3[j]
			e0, e1, e2 := row[0]-cj[0], row[1]-cj[1], row[2]-cj[2]
			dd = e0*e0 + e1*e1 + e2*e2
		} else {
			dd = sqDist(row, f.centers[int(j)*d:int(j)*d+d])
		}
		b2 = min(b2, max(b1, dd))
		if dd < b1 {
			best, b1, bs = j, dd, math.Sqrt(dd)
		}
	}
	return best, bs, min(math.Sqrt(b2), rest)
}

// gatherRows is the number of rows the Hamerly rescan copies at a time.
const gatherRows = 128

// hamerlyFilter writes to todo the indices of the rows whose bounds do not
// prove their label, u > max(s_a, l), and returns how many, without
// unpredictable branches. The test is written as two comparisons: a float
// max costs several instructions (NaN and signed zeros), a SETcc one.
func hamerlyFilter(labels []int32, upper, lower, cumS, cumR, half []float64, todo []int32) int {
	upper, lower, todo = upper[:len(labels)], lower[:len(labels)], todo[:len(labels)]
	cnt := 0
	for ii, a := range labels {
		u := upper[ii] + cumS[a]
		todo[cnt] = int32(ii)
		overS, overL := 0, 0
		if u > half[a] {
			overS = 1
		}
		if u > lower[ii]-cumR[a] {
			overL = 1
		}
		cnt += overS & overL
	}
	return cnt
}

// hamerlyDense3 is the d = 3 Hamerly pass over chunk c when over a third of its
// rows failed their bounds in the previous pass ([denseNext]), as in the first
// iterations: every row is rescanned in order, without collecting the
// failing ones first, and the rows whose bounds fail are only counted, to
// choose the next pass. The labels and moves are those of the sparse pass.
func (f *fitter) hamerlyDense3(c, lo, hi int) {
	f.clearDelta(c)
	c3, x := f.c3, f.x
	cumS, cumR, half := f.bound.cumS, f.bound.cumR, f.bound.half
	labels, upper, lower := f.labels[lo:hi], f.bound.upper[lo:hi], f.bound.lower[lo:hi]
	changed, fails := 0, 0
	var lab [gatherRows]int32
	var d1, d2 [gatherRows]float64
	for b0 := 0; b0 < len(labels); b0 += gatherRows {
		b1 := min(b0+gatherRows, len(labels))
		nearestTwo3Block(x[3*(lo+b0):3*(lo+b1)], c3, lab[:], d1[:], d2[:])
		for q, a := range labels[b0:b1] {
			ii := b0 + q
			u := upper[ii] + cumS[a]
			overS, overL := 0, 0
			if u > half[a] {
				overS = 1
			}
			if u > lower[ii]-cumR[a] {
				overL = 1
			}
			fails += overS & overL
			j := lab[q]
			if j != a {
				labels[ii] = j
				changed++
				f.move(c, lo+ii, a, j)
			}
			upper[ii] = math.Sqrt(d1[q]) - cumS[j]
			lower[ii] = math.Sqrt(d2[q]) + cumR[j]
		}
	}
	f.part.fails[c] = fails
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}

// hamerlyFirst3 is the first d = 3 Hamerly pass over chunk c: every row is
// scanned against every centre, a block at a time, and gets its exact
// bounds.
func (f *fitter) hamerlyFirst3(c, lo, hi int) {
	c3, x := f.c3, f.x
	cumS, cumR := f.bound.cumS, f.bound.cumR
	labels, upper, lower := f.labels[lo:hi], f.bound.upper[lo:hi], f.bound.lower[lo:hi]
	changed := 0
	var lab [gatherRows]int32
	var d1, d2 [gatherRows]float64
	for b0 := 0; b0 < len(labels); b0 += gatherRows {
		b1 := min(b0+gatherRows, len(labels))
		nearestTwo3Block(x[3*(lo+b0):3*(lo+b1)], c3, lab[:], d1[:], d2[:])
		for q, j := range lab[:b1-b0] {
			ii := b0 + q
			if labels[ii] != j {
				labels[ii] = j
				changed++
			}
			upper[ii] = math.Sqrt(d1[q]) - cumS[j]
			lower[ii] = math.Sqrt(d2[q]) + cumR[j]
		}
	}
	f.part.fails[c] = hi - lo
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}

// denseNext reports whether a d = 3 chunk of the given rows, of which
// fails failed their bounds in the last pass, is rescanned densely: when
// more than a third failed. The AVX2 and Go paths share the rule, so they
// take the same decisions and keep the same bounds.
func denseNext(fails, rows int) bool { return 3*fails > rows }

// fusedRows is the number of rows hamerlyFused3 passes to hamerly3Block
// at a time.
const fusedRows = 1024

// hamerlyFused3 is the d = 3 Hamerly pass over chunk c with the AVX2
// kernel [hamerly3AVX2] (k <= 8): bound test, scan and new bounds for four rows at
// a time, in row order, with no list of failing rows and no copy. When
// more than a third of the chunk's rows failed their bounds in the last
// pass, every row is scanned (dense). The labels, moves, bounds and
// counts are those of the other paths.
//
// The first pass of a run (first) is a dense pass from label 0: every
// row then counts as changed and failing, as its label was -1.
func (f *fitter) hamerlyFused3(c, lo, hi int, first bool) {
	f.clearDelta(c)
	dense := first || denseNext(f.part.fails[c], hi-lo)
	labels, upper, lower := f.labels[lo:hi], f.bound.upper[lo:hi], f.bound.lower[lo:hi]
	if first {
		clear(labels)
	}
	var chg, chgLab [fusedRows]int32
	changed, fails := 0, 0
	for b0 := 0; b0 < len(labels); b0 += fusedRows {
		b1 := min(b0+fusedRows, len(labels))
		nf, nc := hamerly3Block(f.x[3*(lo+b0):3*(lo+b1)], labels[b0:b1], upper[b0:b1], lower[b0:b1],
			f.bound.cumS, f.bound.cumR, f.bound.half, f.c3, dense, chg[:], chgLab[:])
		fails += nf
		if f.delta && f.unit {
			f.moveUnit3(c, lo+b0, labels[b0:b1], chg[:nc], chgLab[:nc])
		} else {
			for q, t := range chg[:nc] {
				ii := b0 + int(t)
				a, j := labels[ii], chgLab[q]
				labels[ii] = j
				f.move(c, lo+ii, a, j)
			}
		}
		changed += nc
	}
	if first {
		fails, changed = hi-lo, hi-lo
	}
	f.part.fails[c] = fails
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}

// moveUnit3 relabels the rows lo+chg[q] of chunk c (labels holding the
// labels of rows lo on) to chgLab[q] and records the moves as f.move does
// for d = 3 and unit weights, the same operations in the same order
// (v * 1 is v), without a call per row.
func (f *fitter) moveUnit3(c, lo int, labels, chg, chgLab []int32) {
	k := f.k
	s := f.part.sums[c*k*3 : (c+1)*k*3]
	pw, pc := f.part.weights[c*k:(c+1)*k], f.part.counts[c*k:(c+1)*k]
	chgLab = chgLab[:len(chg)]
	for q, t := range chg {
		a, j := labels[t], chgLab[q]
		labels[t] = j
		i := lo + int(t)
		r := f.x[3*i : 3*i+3 : 3*i+3]
		sa, sj := s[3*a:3*a+3:3*a+3], s[3*j:3*j+3:3*j+3]
		sa[0] -= r[0]
		sj[0] += r[0]
		sa[1] -= r[1]
		sj[1] += r[1]
		sa[2] -= r[2]
		sj[2] += r[2]
		pw[a]--
		pw[j]++
		pc[a]--
		pc[j]++
	}
}
