package kmeans

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/cvmkit/cvm/internal/parallel"
)

// chunkRows returns the rows per chunk for n rows: at least 2048, at most
// 256 chunks. Chunk boundaries depend only on n, and every chunk writes its
// own partial results, reduced in chunk order, so a fit gives the same
// bits whatever the number of goroutines.
func chunkRows(n int) int { return max(2048, (n+255)/256) }

// fitter holds every buffer of a fit, allocated once and reused by every
// run and iteration, grouped by the step that uses it.
type fitter struct {
	// The data: n rows of d columns, k clusters; w nil means unit
	// weights, and then unit is true.
	x       []float64
	n, d, k int
	w       []float64
	unit    bool

	algo     Algorithm
	tol      float64 // absolute tolerance on the summed squared shift
	progress func(run, iteration int, inertia float64)
	pool     *parallel.Pool

	// The iteration state.
	centers, next []float64    // k*d: current centres; sums then new centres
	c3            [][3]float64 // the current centres when d = 3
	ct            []float64    // the current centres transposed (d x padK(k)) when d != 3
	scan          int          // rows per block of the block passes
	blockLloyd    bool         // Lloyd scans blocks of rows ([fitter.nearestBlock])
	blockScan     bool         // Hamerly rescans failing rows in blocks
	labels        []int32
	valid         bool // the bounds hold for centers
	updateSums    bool // this pass feeds a centre update
	delta         bool // this pass records label changes, not full sums

	part  partials // each chunk's results of a pass
	tot   totals   // the per-cluster sums, reduced in chunk order
	bound bounds   // the triangle-inequality state of Hamerly and Elkan
	pp    seeding  // the k-means++ buffers
	pass  passes   // the chunk functions, bound once so a pass allocates nothing
}

// partials are the results each chunk of a pass writes, chunk c at its
// own offset, so that they are reduced in chunk order.
type partials struct {
	sums    []float64 // chunks*k*d weighted sums per cluster (or their changes)
	weights []float64 // chunks*k weights per cluster (or their changes)
	counts  []int     // chunks*k counts of positive-weight rows
	changed []int     // chunks: labels changed
	fails   []int     // chunks: Hamerly rows whose bounds failed
	vals    []float64 // chunks*m scalars (inertia, k-means++ potentials)
	lo, hi  []float64 // chunks*d column minima and maxima
}

// totals are the per-cluster sums an update starts from.
type totals struct {
	sums    []float64 // k*d running weighted sums
	weights []float64 // k running weights
	counts  []int     // k running counts of positive-weight rows
	centreW []float64 // k weights of the new centres, after relocation
}

// bounds is the state of the accelerated assignments: how far each centre
// moved, the centre-to-centre distances, and each row's bounds, stored
// relative to the cumulative shifts (see hamerlyChunk and elkanChunk).
type bounds struct {
	shift        []float64 // k: distance each centre moved in the last update
	maxShift     float64   // the largest shift,
	maxShift2    float64   // the second largest,
	maxShiftIdx  int       // and the centre with the largest
	cumS, cumR   []float64 // k: sums of shift_j, and of max_{j' != j} shift_j', this run
	upper, lower []float64 // n: upper bound (Hamerly, Elkan); lower bound (Hamerly)
	lowerK       []float64 // n*k: Elkan's lower bounds
	half         []float64 // k: half the distance to the nearest other centre
	cc           []float64 // k*k: half the centre-to-centre distances
	nb           []int32   // k*(k-1): Hamerly, the other centres by increasing distance
	todo         []int32   // n: Hamerly, the rows whose bounds failed, per chunk
}

// seeding holds the k-means++ buffers, allocated on first use.
type seeding struct {
	closest, cum       []float64 // n: squared distance to the nearest chosen centre; cumulative weights
	cand               []int     // the candidate rows of one step
	candPot            []float64 // their potentials
	center             []float64 // the centre the chunk functions compare with
	seed, trial, close func(int)
}

// passes are the chunk functions of the fit's parallel passes, made once
// (a method value passed on would allocate at every pass), with their
// arguments.
type passes struct {
	assign, inertia, result, stats func(int)
	labels                         []int     // where result writes the labels
	mean                           []float64 // nil: stats sums columns; else squared deviations from mean
}

func newFitter(x []float64, n, d, k int, w []float64, algo Algorithm) *fitter {
	f := &fitter{x: x, n: n, d: d, k: k, w: w, unit: w == nil, algo: algo, pool: parallel.NewPool(n, chunkRows(n))}
	nc := f.pool.Chunks()
	f.centers = make([]float64, k*d)
	f.next = make([]float64, k*d)
	f.labels = make([]int32, n)
	f.part = partials{
		sums:    make([]float64, nc*k*d),
		weights: make([]float64, nc*k),
		counts:  make([]int, nc*k),
		changed: make([]int, nc),
		vals:    make([]float64, nc*(2+int(math.Log(float64(k))))),
		lo:      make([]float64, nc*d),
		hi:      make([]float64, nc*d),
	}
	f.tot = totals{sums: make([]float64, k*d), weights: make([]float64, k), counts: make([]int, k), centreW: make([]float64, k)}
	f.bound.shift = make([]float64, k)
	f.bound.half = make([]float64, k)
	f.bound.cumS = make([]float64, k)
	f.bound.cumR = make([]float64, k)
	f.scan = gatherRows
	fits := d == 3 || 4*(d+padK(k)) <= scanFloats
	if d != 3 {
		f.scan = scanRows(d, k)
		if fits {
			f.ct = make([]float64, d*padK(k))
		}
	}
	f.blockLloyd = fits
	f.blockScan = fits && (d == 3 || k <= blockScanMaxK)
	f.pass.inertia = f.inertiaChunk
	f.pass.result = f.resultChunk
	f.pass.stats = f.statsChunk
	switch algo {
	case Hamerly:
		f.bound.upper = make([]float64, n)
		f.bound.lower = make([]float64, n)
		f.bound.cc = make([]float64, k*k)
		f.bound.nb = make([]int32, k*(k-1))
		if d != 3 || !hasFused3(k) {
			f.bound.todo = make([]int32, n) // the fused d = 3 kernel keeps no list
		}
		f.part.fails = make([]int, nc)
		f.pass.assign = f.hamerlyChunk
	case Elkan:
		f.bound.upper = make([]float64, n)
		f.bound.lowerK = make([]float64, n*k)
		f.bound.cc = make([]float64, k*k)
		f.pass.assign = f.elkanChunk
	default:
		f.pass.assign = f.lloydChunk
	}
	return f
}

// close stops the fitter's goroutines.
func (f *fitter) close() { f.pool.Close() }

// columnStats returns the mean and the population variance of every
// column, unweighted (scikit-learn's np.var(X, axis=0)), from column sums
// and then squared deviations, each reduced in chunk order, and the
// smallest and largest value of every column.
func (f *fitter) columnStats() (mean, variance, lo, hi []float64) {
	d, kd, nc := f.d, f.k*f.d, f.pool.Chunks()
	mean = make([]float64, d)
	variance = make([]float64, d)
	lo = slices.Clone(f.x[:d])
	hi = slices.Clone(f.x[:d])
	f.pass.mean = nil
	f.pool.Run(f.pass.stats)
	for c := range nc {
		for t, v := range f.part.sums[c*kd : c*kd+d] {
			mean[t] += v
		}
		for t := range d {
			lo[t] = min(lo[t], f.part.lo[c*d+t])
			hi[t] = max(hi[t], f.part.hi[c*d+t])
		}
	}
	for t := range d {
		lo[t] += 0 // -0 becomes +0: the extremes do not depend on the row order
		hi[t] += 0
	}
	for t := range mean {
		mean[t] /= float64(f.n)
	}
	f.pass.mean = mean
	f.pool.Run(f.pass.stats)
	for t := range d {
		var ss float64
		for c := range nc {
			ss += f.part.sums[c*kd+t]
		}
		variance[t] = ss / float64(f.n)
	}
	return mean, variance, lo, hi
}

// statsChunk writes chunk c's column sums and extremes (f.pass.mean nil)
// or sums of squared deviations from f.pass.mean into its partials.
func (f *fitter) statsChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d := f.d
	out := f.part.sums[c*f.k*d : c*f.k*d+d]
	clear(out)
	mean := f.pass.mean
	cmin, cmax := f.part.lo[c*d:c*d+d], f.part.hi[c*d:c*d+d]
	if mean == nil {
		copy(cmin, f.x[lo*d:lo*d+d])
		copy(cmax, f.x[lo*d:lo*d+d])
	}
	if d == 3 {
		// The same sums in the same order, in registers rather than
		// through memory.
		x := f.x[lo*3 : hi*3]
		s0, s1, s2 := out[0], out[1], out[2]
		if mean == nil {
			a0, a1, a2 := cmin[0], cmin[1], cmin[2]
			b0, b1, b2 := cmax[0], cmax[1], cmax[2]
			for i := 0; i+2 < len(x); i += 3 {
				r := x[i : i+3 : i+3]
				s0 += r[0]
				s1 += r[1]
				s2 += r[2]
				// Plain comparisons, rarely true after the first rows, so
				// well predicted: cheaper than float min and max, which
				// order NaNs and signed zeros (the data has no NaN; zeros
				// are made +0 in the fingerprint).
				if r[0] < a0 {
					a0 = r[0]
				}
				if r[0] > b0 {
					b0 = r[0]
				}
				if r[1] < a1 {
					a1 = r[1]
				}
				if r[1] > b1 {
					b1 = r[1]
				}
				if r[2] < a2 {
					a2 = r[2]
				}
				if r[2] > b2 {
					b2 = r[2]
				}
			}
			cmin[0], cmin[1], cmin[2] = a0, a1, a2
			cmax[0], cmax[1], cmax[2] = b0, b1, b2
		} else {
			m0, m1, m2 := mean[0], mean[1], mean[2]
			for i := 0; i+2 < len(x); i += 3 {
				r := x[i : i+3 : i+3]
				v0, v1, v2 := r[0]-m0, r[1]-m1, r[2]-m2
				s0 += v0 * v0
				s1 += v1 * v1
				s2 += v2 * v2
			}
		}
		out[0], out[1], out[2] = s0, s1, s2
		return
	}
	for i := lo; i < hi; i++ {
		row := f.x[i*d : i*d+d]
		if mean == nil {
			for t, v := range row {
				out[t] += v
				if v < cmin[t] {
					cmin[t] = v
				}
				if v > cmax[t] {
					cmax[t] = v
				}
			}
		} else {
			for t, v := range row {
				dv := v - mean[t]
				out[t] += dv * dv
			}
		}
	}
}

// wt is the weight of row i.
func (f *fitter) wt(i int) float64 {
	if f.w == nil {
		return 1
	}
	return f.w[i]
}

// run performs one k-means run from f.centers, as scikit-learn's
// _kmeans_single_lloyd / _kmeans_single_elkan: assign, update (relocating
// empty clusters), stop when no label changed or the squared shift is at
// most tol, then a final assignment when the stop was not strict.
func (f *fitter) run(ctx context.Context, run, maxIter int) (iters int, converged bool, err error) {
	for i := range f.labels {
		f.labels[i] = -1
	}
	f.valid = false
	clear(f.bound.cumS)
	clear(f.bound.cumR)
	strict := false
	iters = maxIter
	for it := 0; it < maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		f.prepare()
		f.updateSums = true
		// Hamerly and Elkan keep running sums and record only the moves of
		// rows whose label changed; Lloyd and every first pass recompute.
		f.delta = f.valid && (f.algo == Hamerly || f.algo == Elkan)
		f.pool.Run(f.pass.assign)
		f.valid = true
		changed := f.reduce()
		f.relocateEmpty()
		f.average()
		tot := f.computeShift()
		for j, sh := range f.bound.shift {
			f.bound.cumS[j] += sh
			if j == f.bound.maxShiftIdx {
				f.bound.cumR[j] += f.bound.maxShift2
			} else {
				f.bound.cumR[j] += f.bound.maxShift
			}
		}
		f.centers, f.next = f.next, f.centers
		if f.progress != nil {
			f.progress(run, it+1, f.inertia())
		}
		if changed == 0 {
			strict = true
			iters, converged = it+1, true
			break
		}
		if tot <= f.tol {
			iters, converged = it+1, true
			break
		}
	}
	if !strict {
		f.prepare()
		f.updateSums = false
		f.pool.Run(f.pass.assign)
	}
	return iters, converged, nil
}

// prepare computes the centre-dependent quantities of the accelerated
// algorithms: half the distance of each centre to its nearest other centre
// (and, for Elkan, all half distances).
func (f *fitter) prepare() {
	if f.d == 3 {
		if f.c3 == nil {
			f.c3 = make([][3]float64, f.k)
		}
		for j := range f.c3 {
			copy(f.c3[j][:], f.centers[3*j:3*j+3])
		}
	}
	if f.ct != nil {
		transposeCenters(f.ct, f.centers, f.k, f.d)
	}
	if f.algo != Hamerly && f.algo != Elkan {
		return
	}
	k, d := f.k, f.d

	for j := range f.bound.half {
		f.bound.half[j] = math.Inf(1)
	}
	for a := 0; a < k; a++ {
		ca := f.centers[a*d : a*d+d]
		for b := a + 1; b < k; b++ {
			h := 0.5 * math.Sqrt(sqDist(ca, f.centers[b*d:b*d+d]))
			if f.bound.cc != nil {
				f.bound.cc[a*k+b], f.bound.cc[b*k+a] = h, h
			}
			f.bound.half[a] = min(f.bound.half[a], h)
			f.bound.half[b] = min(f.bound.half[b], h)
		}
	}
	if f.bound.nb != nil {
		for a := 0; a < k; a++ {
			nb := f.bound.nb[a*(k-1) : a*(k-1)+k-1]
			i := 0
			for b := 0; b < k; b++ {
				if b != a {
					nb[i] = int32(b)
					i++
				}
			}
			cc := f.bound.cc[a*k : a*k+k]
			// Insertion sort: k is small and this allocates nothing.
			for x := 1; x < len(nb); x++ {
				for y := x; y > 0 && (cc[nb[y]] < cc[nb[y-1]] || cc[nb[y]] == cc[nb[y-1]] && nb[y] < nb[y-1]); y-- {
					nb[y], nb[y-1] = nb[y-1], nb[y]
				}
			}
		}
	}
}

// accumulate adds the weighted rows lo..hi-1 of chunk c to its partial
// sums when the iteration updates centres from scratch (not f.delta).
func (f *fitter) accumulate(c, lo, hi int) {
	k, d := f.k, f.d
	sums := f.part.sums[c*k*d : (c+1)*k*d]
	ws := f.part.weights[c*k : (c+1)*k]
	cn := f.part.counts[c*k : (c+1)*k]
	if f.delta {
		return
	}
	clear(sums)
	clear(ws)
	clear(cn)
	if !f.updateSums {
		return
	}
	if f.unit && d == 3 {
		for i := lo; i < hi; i++ {
			j := int(f.labels[i])
			s := sums[j*3 : j*3+3]
			r := f.x[i*3 : i*3+3]
			s[0] += r[0]
			s[1] += r[1]
			s[2] += r[2]
			cn[j]++
		}
		for j := range ws {
			ws[j] = float64(cn[j])
		}
		return
	}
	if f.unit {
		// v * 1 is v: the same sums without the multiplications.
		for i := lo; i < hi; i++ {
			j := int(f.labels[i])
			s := sums[j*d : j*d+d]
			for t, v := range f.x[i*d : i*d+d] {
				s[t] += v
			}
			cn[j]++
		}
		for j := range ws {
			ws[j] = float64(cn[j])
		}
		return
	}
	for i := lo; i < hi; i++ {
		j := int(f.labels[i])
		wi := f.wt(i)
		s := sums[j*d : j*d+d]
		for t, v := range f.x[i*d : i*d+d] {
			s[t] += v * wi
		}
		ws[j] += wi
		if wi > 0 {
			cn[j]++
		}
	}
}

// clearDelta readies chunk c's partials to record label changes.
func (f *fitter) clearDelta(c int) {
	k, d := f.k, f.d
	clear(f.part.sums[c*k*d : (c+1)*k*d])
	clear(f.part.weights[c*k : (c+1)*k])
	clear(f.part.counts[c*k : (c+1)*k])
}

// move records in chunk c's partials that row i left cluster from for
// cluster to.
func (f *fitter) move(c, i int, from, to int32) {
	wi := f.wt(i)
	if wi == 0 || !f.delta {
		return
	}
	k, d := f.k, f.d
	s := f.part.sums[c*k*d : (c+1)*k*d]
	a, b := int(from)*d, int(to)*d
	for t, v := range f.x[i*d : i*d+d] {
		s[a+t] -= v * wi
		s[b+t] += v * wi
	}
	f.part.weights[c*k+int(from)] -= wi
	f.part.weights[c*k+int(to)] += wi
	f.part.counts[c*k+int(from)]--
	f.part.counts[c*k+int(to)]++
}

// reduce folds the chunks' partials into the running sums in chunk order,
// copies them to f.next and f.tot.centreW (a cluster with no row of positive
// weight gets exactly zero), and returns the number of changed labels.
func (f *fitter) reduce() int {
	kd := f.k * f.d
	if !f.delta {
		clear(f.tot.sums)
		clear(f.tot.weights)
		clear(f.tot.counts)
	}
	changed := 0
	for c := 0; c < f.pool.Chunks(); c++ {
		for j, v := range f.part.sums[c*kd : (c+1)*kd] {
			f.tot.sums[j] += v
		}
		for j, v := range f.part.weights[c*f.k : (c+1)*f.k] {
			f.tot.weights[j] += v
		}
		for j, v := range f.part.counts[c*f.k : (c+1)*f.k] {
			f.tot.counts[j] += v
		}
		changed += f.part.changed[c]
	}
	copy(f.next, f.tot.sums)
	copy(f.tot.centreW, f.tot.weights)
	for j, n := range f.tot.counts {
		if n == 0 {
			f.tot.centreW[j] = 0
			clear(f.next[j*f.d : (j+1)*f.d])
		}
	}
	return changed
}

// relocateEmpty moves each empty cluster onto one of the rows farthest from
// their (old) centres, as scikit-learn's _relocate_empty_clusters_dense:
// the row keeps its label, its weighted value moves from its cluster's sum
// to the empty cluster's.
func (f *fitter) relocateEmpty() {
	var empty []int
	for j, v := range f.tot.centreW {
		if v == 0 {
			empty = append(empty, j)
		}
	}
	if len(empty) == 0 {
		return
	}
	d := f.d
	dist := make([]float64, f.n)
	for i := range dist {
		l := int(f.labels[i])
		dist[i] = sqDist(f.x[i*d:i*d+d], f.centers[l*d:l*d+d])
	}
	idx := make([]int, f.n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return dist[idx[a]] > dist[idx[b]] })
	for e, nj := range empty {
		far := idx[e]
		wi := f.wt(far)
		old := int(f.labels[far])
		row := f.x[far*d : far*d+d]
		for t, v := range row {
			f.next[old*d+t] -= v * wi
			f.next[nj*d+t] = v * wi
		}
		f.tot.centreW[nj] = wi
		f.tot.centreW[old] -= wi
	}
}

// average divides the sums in f.next by the cluster weights, multiplying by
// the reciprocal as scikit-learn's _average_centers; a cluster of zero
// weight keeps its sum.
func (f *fitter) average() {
	d := f.d
	for j, wj := range f.tot.centreW {
		if wj > 0 {
			alpha := 1 / wj
			c := f.next[j*d : j*d+d]
			for t := range c {
				c[t] *= alpha
			}
		}
	}
}

// computeShift sets f.bound.shift to the distance between the new and old
// centres and returns the sum of squared shifts.
func (f *fitter) computeShift() float64 {
	d := f.d
	var tot float64
	f.bound.maxShift, f.bound.maxShift2, f.bound.maxShiftIdx = 0, 0, 0
	for j := 0; j < f.k; j++ {
		s2 := sqDist(f.next[j*d:j*d+d], f.centers[j*d:j*d+d])
		tot += s2
		s := math.Sqrt(s2)
		f.bound.shift[j] = s
		if s > f.bound.maxShift {
			f.bound.maxShift2 = f.bound.maxShift
			f.bound.maxShift, f.bound.maxShiftIdx = s, j
		} else if s > f.bound.maxShift2 {
			f.bound.maxShift2 = s
		}
	}
	return tot
}

// inertia is sum w_i ||x_i - c_label||^2 from direct differences, reduced
// in chunk order.
func (f *fitter) inertia() float64 {
	f.pool.Run(f.pass.inertia)
	var s float64
	for c := 0; c < f.pool.Chunks(); c++ {
		s += f.part.vals[c]
	}
	return s
}

func (f *fitter) inertiaChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d := f.d
	var s float64
	for i := lo; i < hi; i++ {
		l := int(f.labels[i])
		s += f.wt(i) * sqDist(f.x[i*d:i*d+d], f.centers[l*d:l*d+d])
	}
	f.part.vals[c] = s
}

// result builds the model of the current run, reusing prev's memory.
func (f *fitter) result(inertia float64, iters int, converged bool, prev *Model) *Model {
	m := prev
	if m == nil {
		m = &Model{
			Centers: make([]float64, f.k*f.d),
			Labels:  make([]int, f.n),
			Sizes:   make([]int, f.k),
			Weights: make([]float64, f.k),
		}
	}
	m.K, m.D = f.k, f.d
	copy(m.Centers, f.centers)
	clear(m.Sizes)
	clear(m.Weights)
	// Labels and sizes in parallel (integer counts per chunk); weights
	// summed in row order as before, or, for unit weights, the sizes
	// themselves (a sum of ones is exact).
	f.pass.labels = m.Labels
	f.pool.Run(f.pass.result)
	k := f.k
	for c := 0; c < f.pool.Chunks(); c++ {
		for j, v := range f.part.counts[c*k : (c+1)*k] {
			m.Sizes[j] += v
		}
	}
	if f.w == nil {
		for j, sz := range m.Sizes {
			m.Weights[j] = float64(sz)
		}
	} else {
		for i, l := range f.labels {
			m.Weights[l] += f.w[i]
		}
	}
	m.Inertia, m.Iterations, m.Converged, m.Algorithm = inertia, iters, converged, f.algo
	return m
}

// resultChunk copies chunk c's labels to f.pass.labels and counts them in
// its partial counts.
func (f *fitter) resultChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	cn := f.part.counts[c*f.k : (c+1)*f.k]
	clear(cn)
	dst := f.pass.labels[lo:hi]
	for q, l := range f.labels[lo:hi] {
		dst[q] = int(l)
		cn[l]++
	}
}

// initRandom sets f.centers to k distinct rows of positive weight drawn
// uniformly (a partial Fisher-Yates shuffle).
func (f *fitter) initRandom(rng *rand.Rand) {
	idx := make([]int, 0, f.n)
	for i := 0; i < f.n; i++ {
		if f.wt(i) > 0 {
			idx = append(idx, i)
		}
	}
	d := f.d
	for j := 0; j < f.k; j++ {
		r := j + rng.IntN(len(idx)-j)
		idx[j], idx[r] = idx[r], idx[j]
		copy(f.centers[j*d:j*d+d], f.x[idx[j]*d:idx[j]*d+d])
	}
}

// initPlusPlus is greedy k-means++ as scikit-learn's _kmeans_plusplus,
// with weights in the sampling and the potentials.
func (f *fitter) initPlusPlus(rng *rand.Rand) {
	n, d, k := f.n, f.d, f.k
	trials := 2 + int(math.Log(float64(k)))
	if f.pp.closest == nil {
		f.pp.closest = make([]float64, n)
		f.pp.cum = make([]float64, n)
		f.pp.cand = make([]int, trials)
		f.pp.candPot = make([]float64, trials)
		f.pp.seed = f.seedChunk
		f.pp.trial = f.candChunk
		f.pp.close = f.closeChunk
	}
	// First centre: weighted choice.
	var acc float64
	for i := range f.pp.cum {
		acc += f.wt(i)
		f.pp.cum[i] = acc
	}
	first := searchCum(f.pp.cum, rng.Float64()*acc)
	copy(f.centers[:d], f.x[first*d:first*d+d])
	f.pp.center = f.centers[:d]
	f.pool.Run(f.pp.seed)
	var pot float64
	for c := 0; c < f.pool.Chunks(); c++ {
		pot += f.part.vals[c]
	}
	for c := 1; c < k; c++ {
		acc = 0
		for i, v := range f.pp.closest {
			acc += v * f.wt(i)
			f.pp.cum[i] = acc
		}
		for t := range f.pp.cand {
			f.pp.cand[t] = searchCum(f.pp.cum, rng.Float64()*pot)
		}
		f.pool.Run(f.pp.trial)
		best := 0
		for t := range f.pp.cand {
			var s float64
			for ch := 0; ch < f.pool.Chunks(); ch++ {
				s += f.part.vals[ch*trials+t]
			}
			f.pp.candPot[t] = s
			if s < f.pp.candPot[best] {
				best = t
			}
		}
		pot = f.pp.candPot[best]
		row := f.pp.cand[best]
		copy(f.centers[c*d:c*d+d], f.x[row*d:row*d+d])
		f.pp.center = f.centers[c*d : c*d+d]
		f.pool.Run(f.pp.close)
	}
}

// searchCum is numpy's searchsorted(cum, r, side="left") clipped to the
// last index.
func searchCum(cum []float64, r float64) int {
	i := sort.SearchFloat64s(cum, r)
	return min(i, len(cum)-1)
}

func (f *fitter) seedChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d := f.d
	var s float64
	for i := lo; i < hi; i++ {
		dd := sqDist(f.x[i*d:i*d+d], f.pp.center)
		f.pp.closest[i] = dd
		s += dd * f.wt(i)
	}
	f.part.vals[c] = s
}

func (f *fitter) candChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d := f.d
	trials := len(f.pp.cand)
	out := f.part.vals[c*trials : c*trials+trials]
	for t, ci := range f.pp.cand {
		cr := f.x[ci*d : ci*d+d]
		var s float64
		for i := lo; i < hi; i++ {
			s += min(f.pp.closest[i], sqDist(f.x[i*d:i*d+d], cr)) * f.wt(i)
		}
		out[t] = s
	}
}

func (f *fitter) closeChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d := f.d
	for i := lo; i < hi; i++ {
		f.pp.closest[i] = min(f.pp.closest[i], sqDist(f.x[i*d:i*d+d], f.pp.center))
	}
}
