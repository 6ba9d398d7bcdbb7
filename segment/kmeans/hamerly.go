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
//
// hamerlyChunk picks the pass for the chunk; each pass computes the same
// labels and bounds, and they differ only in how the rows are scanned:
//
//   - d = 3 with the AVX2 kernel (k <= 8): [fitter.hamerlyFused3], the
//     bound test and scan in one kernel call;
//   - the block passes, for d = 3 and for other d when k <=
//     blockScanMaxK (f.blockScan), whose failing rows are rescanned
//     against every centre a block at a time ([fitter.nearestBlock]):
//     first pass of a run: [fitter.hamerlyFirstBlock], every row against
//     every centre; over a third of the rows failing last pass:
//     [fitter.hamerlyDenseBlock], every row rescanned in order;
//     otherwise [fitter.hamerlySparseBlock], the failing rows collected,
//     then rescanned;
//   - larger k, first pass: [fitter.hamerlyFirst];
//   - larger k otherwise: [fitter.hamerlySparse], each failing row
//     tightened and, when that does not settle it, searched.
func (f *fitter) hamerlyChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	switch {
	case f.d == 3 && hasFused3(f.k):
		f.hamerlyFused3(c, lo, hi, !f.valid)
	case f.blockScan && !f.valid:
		f.hamerlyFirstBlock(c, lo, hi)
	case f.blockScan && denseNext(f.part.fails[c], hi-lo):
		f.hamerlyDenseBlock(c, lo, hi)
	case f.blockScan:
		f.hamerlySparseBlock(c, lo, hi)
	case !f.valid:
		f.hamerlyFirst(c, lo, hi)
	default:
		f.hamerlySparse(c, lo, hi)
	}
}

// hamerlyFirst is the first Hamerly pass over chunk c outside the block
// passes (d != 3, k > blockScanMaxK): every
// row is scanned against every centre and gets its exact bounds.
func (f *fitter) hamerlyFirst(c, lo, hi int) {
	d, k, b := f.d, f.k, &f.bound
	changed := 0
	for i := lo; i < hi; i++ {
		j, b1, b2 := nearestTwo(f.x[i*d:i*d+d], f.centers, k, d)
		if f.labels[i] != j {
			f.labels[i] = j
			changed++
		}
		b.upper[i] = math.Sqrt(b1) - b.cumS[j]
		b.lower[i] = math.Sqrt(b2) + b.cumR[j]
	}
	f.part.fails[c] = hi - lo
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}

// hamerlySparse is a later Hamerly pass over chunk c outside the block
// passes: the rows
// whose bounds do not prove their label are collected without branches,
// then each is settled by [fitter.hamerlyRow].
func (f *fitter) hamerlySparse(c, lo, hi int) {
	f.clearDelta(c)
	b := &f.bound
	todo := b.todo[lo:hi]
	cnt := hamerlyFilter(f.labels[lo:hi], b.upper[lo:hi], b.lower[lo:hi], b.cumS, b.cumR, b.half, todo)
	f.part.fails[c] = cnt
	changed := 0
	for _, t := range todo[:cnt] {
		if f.hamerlyRow(c, lo+int(t)) {
			changed++
		}
	}
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}

// hamerlyRow settles row i of chunk c, whose bounds failed: it tightens
// the upper bound to the exact distance to the row's centre a, and when
// that still exceeds max(s_a, l) searches the other centres
// ([fitter.hamerlySearch]). It reports whether the label changed (the
// move is then recorded).
func (f *fitter) hamerlyRow(c, i int) bool {
	d, b := f.d, &f.bound
	a := f.labels[i]
	m := max(b.half[a], b.lower[i]-b.cumR[a])
	row := f.x[i*d : i*d+d]
	u2 := sqDist(row, f.centers[int(a)*d:int(a)*d+d])
	if u2 <= m*m {
		b.upper[i] = math.Sqrt(u2) - b.cumS[a]
		return false
	}
	j, u, l := f.hamerlySearch(row, a, u2)
	moved := j != a
	if moved {
		f.labels[i] = j
		f.move(c, i, a, j)
	}
	b.upper[i] = u - b.cumS[j]
	b.lower[i] = l + b.cumR[j]
	return moved
}

// hamerlySparseBlock is a later block Hamerly pass over chunk c when at
// most a third of its rows failed last pass: the failing rows are
// collected without branches, then rescanned by [fitter.hamerlyRescan].
//
// A failing row is rescanned against every centre at once, without
// branches: with the block kernels that costs little more than tightening
// its upper bound and a partial search, which branch unpredictably, and it
// gives the exact second distance, the tightest lower bound, so fewer rows
// fail in later iterations.
func (f *fitter) hamerlySparseBlock(c, lo, hi int) {
	f.clearDelta(c)
	b := &f.bound
	todo := b.todo[lo:hi]
	cnt := hamerlyFilter(f.labels[lo:hi], b.upper[lo:hi], b.lower[lo:hi], b.cumS, b.cumR, b.half, todo)
	f.part.fails[c] = cnt
	f.part.changed[c] = f.hamerlyRescan(c, lo, todo[:cnt])
	f.accumulate(c, lo, hi)
}

// hamerlyRescan rescans the rows lo+t, t in rows, of chunk c against
// every centre, sets their labels and exact bounds, records the moves and
// returns the number of changed labels. The rows are first copied to a
// small buffer, a loop of independent loads whose cache misses overlap,
// and then scanned from there, a block at a time.
func (f *fitter) hamerlyRescan(c, lo int, rows []int32) int {
	b := &f.bound
	d := f.d
	changed := 0
	var scratch [scanFloats]float64
	var lab [gatherRows]int32
	var d1, d2 [gatherRows]float64
	per := f.scan
	buf, dist := scratch[:per*d], scratch[per*d:]
	for t0 := 0; t0 < len(rows); t0 += per {
		blk := rows[t0:min(t0+per, len(rows))]
		if d == 3 {
			for q, t := range blk {
				i := lo + int(t)
				r := f.x[i*3 : i*3+3 : i*3+3]
				bq := buf[3*q : 3*q+3 : 3*q+3]
				bq[0], bq[1], bq[2] = r[0], r[1], r[2]
			}
		} else {
			for q, t := range blk {
				i := lo + int(t)
				copy(buf[q*d:q*d+d], f.x[i*d:i*d+d])
			}
		}
		f.nearestBlock(buf[:d*len(blk)], dist, lab[:], d1[:], d2[:])
		for q, t := range blk {
			i := lo + int(t)
			a, j := f.labels[i], lab[q]
			if j != a {
				f.labels[i] = j
				changed++
				f.move(c, i, a, j)
			}
			b.upper[i] = math.Sqrt(d1[q]) - b.cumS[j]
			b.lower[i] = math.Sqrt(d2[q]) + b.cumR[j]
		}
	}
	return changed
}

// nearestBlock writes the nearest centre and the two smallest squared
// distances of each row of x (row-major, at most f.scan rows) to lab, d1
// and d2: [nearestTwo3Block] for d = 3, [nearestTwoRows] otherwise, with
// dist as its scratch. Both give the bits of [nearestTwo].
func (f *fitter) nearestBlock(x, dist []float64, lab []int32, d1, d2 []float64) {
	if f.d == 3 {
		nearestTwo3Block(x, f.c3, lab, d1, d2)
		return
	}
	nearestTwoRows(x, f.d, f.centers, f.ct, f.k, dist, lab, d1, d2)
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
		dd := sqDist(row, f.centers[int(j)*d:int(j)*d+d])
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

// hamerlyDenseBlock is the block Hamerly pass over chunk c when over a
// third of its rows failed their bounds in the previous pass
// ([denseNext]), as in the first iterations: every row is rescanned in
// order, without collecting the failing ones first, and the rows whose
// bounds fail are only counted, to choose the next pass. The labels and
// moves are those of the sparse pass.
func (f *fitter) hamerlyDenseBlock(c, lo, hi int) {
	f.clearDelta(c)
	x, d := f.x, f.d
	cumS, cumR, half := f.bound.cumS, f.bound.cumR, f.bound.half
	labels, upper, lower := f.labels[lo:hi], f.bound.upper[lo:hi], f.bound.lower[lo:hi]
	changed, fails := 0, 0
	var dist [scanFloats]float64
	var lab [gatherRows]int32
	var d1, d2 [gatherRows]float64
	for b0 := 0; b0 < len(labels); b0 += f.scan {
		b1 := min(b0+f.scan, len(labels))
		f.nearestBlock(x[d*(lo+b0):d*(lo+b1)], dist[:], lab[:], d1[:], d2[:])
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

// hamerlyFirstBlock is the first block Hamerly pass over chunk c: every
// row is scanned against every centre, a block at a time, and gets its
// exact bounds.
func (f *fitter) hamerlyFirstBlock(c, lo, hi int) {
	x, d := f.x, f.d
	cumS, cumR := f.bound.cumS, f.bound.cumR
	labels, upper, lower := f.labels[lo:hi], f.bound.upper[lo:hi], f.bound.lower[lo:hi]
	changed := 0
	var dist [scanFloats]float64
	var lab [gatherRows]int32
	var d1, d2 [gatherRows]float64
	for b0 := 0; b0 < len(labels); b0 += f.scan {
		b1 := min(b0+f.scan, len(labels))
		f.nearestBlock(x[d*(lo+b0):d*(lo+b1)], dist[:], lab[:], d1[:], d2[:])
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

// denseNext reports whether a chunk of the given rows, of which
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
