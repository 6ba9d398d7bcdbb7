package segment

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// pool runs a function over fixed chunks of rows on up to GOMAXPROCS
// goroutines that live for one fit. Chunk boundaries depend only on n, and
// every chunk writes its own partial results, so reductions done in chunk
// order give the same bits whatever the number of workers.
type pool struct {
	n, chunk, nChunks, workers int
	ch                         chan func(int)
	next                       atomic.Int64
	wg                         sync.WaitGroup
}

// chunkRows returns the rows per chunk for n rows: at least 2048, at most
// 256 chunks.
func chunkRows(n int) int { return max(2048, (n+255)/256) }

func newPool(n int) *pool {
	p := &pool{n: n, chunk: chunkRows(n)}
	p.nChunks = (n + p.chunk - 1) / p.chunk
	p.workers = min(runtime.GOMAXPROCS(0), p.nChunks)
	if p.workers > 1 {
		p.ch = make(chan func(int))
		for w := 1; w < p.workers; w++ {
			go p.work()
		}
	}
	return p
}

func (p *pool) bounds(c int) (lo, hi int) {
	lo = c * p.chunk
	return lo, min(p.n, lo+p.chunk)
}

func (p *pool) work() {
	for f := range p.ch {
		p.drain(f)
		p.wg.Done()
	}
}

func (p *pool) drain(f func(int)) {
	for {
		c := int(p.next.Add(1)) - 1
		if c >= p.nChunks {
			return
		}
		f(c)
	}
}

// run calls f for every chunk and returns when all are done.
func (p *pool) run(f func(int)) {
	if p.workers <= 1 {
		for c := 0; c < p.nChunks; c++ {
			f(c)
		}
		return
	}
	p.next.Store(0)
	p.wg.Add(p.workers - 1)
	for w := 1; w < p.workers; w++ {
		p.ch <- f
	}
	p.drain(f)
	p.wg.Wait()
}

func (p *pool) close() {
	if p.ch != nil {
		close(p.ch)
	}
}

// fitter holds every buffer of a fit, allocated once and reused by every
// run and iteration.
type fitter struct {
	x       []float64
	n, d, k int
	w       []float64 // nil means unit weights
	algo    Algorithm
	pool    *pool
	tol     float64

	centers, next []float64 // k*d: current centres; sums then new centres
	labels        []int32
	valid         bool // bounds hold for centers
	updateSums    bool

	psum     []float64 // nChunks*k*d partial weighted sums (or their changes)
	pw       []float64 // nChunks*k partial weights (or their changes)
	pcnt     []int     // nChunks*k partial counts of positive-weight rows
	sums     []float64 // k*d running weighted sums per cluster
	wacc     []float64 // k running weights per cluster
	cnt      []int     // k running counts of positive-weight rows
	unit     bool      // all weights are 1
	delta    bool      // this pass records changes in psum, not full sums
	pchanged []int     // nChunks label changes
	pval     []float64 // nChunks*m partial scalars (inertia, k-means++ potentials)
	wsum     []float64 // k

	shift                   []float64    // k: distance each centre moved last update
	c3                      [][3]float64 // centres when d = 3
	cumS, cumR              []float64    // k: sums of shift_j and of max_{j' != j} shift_j' this run
	maxShift, maxShift2     float64
	maxShiftIdx             int
	upper, lower            []float64 // Hamerly/Elkan upper bound; Hamerly lower bound
	half                    []float64 // k: half the distance to the nearest other centre
	cc                      []float64 // k*k half centre-centre distances
	nb                      []int32   // Hamerly: for each centre, the others by increasing distance
	todo                    []int32   // Hamerly: rows whose bounds failed, per chunk
	pfail                   []int     // Hamerly: nChunks rows whose bounds failed last pass
	lowerK                  []float64 // Elkan n*k lower bounds
	closest, cum            []float64 // k-means++ buffers
	cand                    []int
	candPot                 []float64
	assignFn, inertiaFn     func(int)
	resultFn                func(int)
	resLabels               []int // the labels result fills
	seedFn, candFn, closeFn func(int)
	seedCenter              []float64
	varFn                   func(int)
	colMean                 []float64

	progress func(run, iteration int, inertia float64)
}

func newFitter(x []float64, n, d, k int, w []float64, algo Algorithm) *fitter {
	f := &fitter{x: x, n: n, d: d, k: k, w: w, algo: algo, pool: newPool(n)}
	nc := f.pool.nChunks
	f.centers = make([]float64, k*d)
	f.next = make([]float64, k*d)
	f.labels = make([]int32, n)
	f.psum = make([]float64, nc*k*d)
	f.pw = make([]float64, nc*k)
	f.pcnt = make([]int, nc*k)
	f.sums = make([]float64, k*d)
	f.wacc = make([]float64, k)
	f.cnt = make([]int, k)
	f.unit = w == nil
	f.pchanged = make([]int, nc)
	f.pval = make([]float64, nc*(2+int(math.Log(float64(k)))))
	f.wsum = make([]float64, k)
	f.shift = make([]float64, k)
	f.half = make([]float64, k)
	f.cumS = make([]float64, k)
	f.cumR = make([]float64, k)
	f.inertiaFn = f.inertiaChunk
	f.resultFn = f.resultChunk
	f.varFn = f.varChunk
	switch algo {
	case Hamerly:
		f.upper = make([]float64, n)
		f.lower = make([]float64, n)
		f.cc = make([]float64, k*k)
		f.nb = make([]int32, k*(k-1))
		if d != 3 || !hasFused3(k) {
			f.todo = make([]int32, n) // the fused d = 3 kernel keeps no list
		}
		f.pfail = make([]int, nc)
		f.assignFn = f.hamerlyChunk
	case Elkan:
		f.upper = make([]float64, n)
		f.lowerK = make([]float64, n*k)
		f.cc = make([]float64, k*k)
		f.assignFn = f.elkanChunk
	default:
		f.assignFn = f.lloydChunk
	}
	return f
}

// meanVariance is the mean over columns of the population variance,
// scikit-learn's np.mean(np.var(X, axis=0)), from column sums and then
// squared deviations reduced in chunk order.
func (f *fitter) meanVariance() float64 {
	d, kd := f.d, f.k*f.d
	mean := make([]float64, d)
	f.colMean = nil
	f.pool.run(f.varFn)
	for c := 0; c < f.pool.nChunks; c++ {
		for t, v := range f.psum[c*kd : c*kd+d] {
			mean[t] += v
		}
	}
	for t := range mean {
		mean[t] /= float64(f.n)
	}
	f.colMean = mean
	f.pool.run(f.varFn)
	var total float64
	for t := 0; t < d; t++ {
		var ss float64
		for c := 0; c < f.pool.nChunks; c++ {
			ss += f.psum[c*kd+t]
		}
		total += ss / float64(f.n)
	}
	return total / float64(d)
}

// varChunk writes chunk c's column sums (f.colMean nil) or sums of squared
// deviations from f.colMean into its partial sums.
func (f *fitter) varChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d := f.d
	out := f.psum[c*f.k*d : c*f.k*d+d]
	clear(out)
	mean := f.colMean
	if d == 3 {
		// The same sums in the same order, in registers rather than
		// through memory.
		x := f.x[lo*3 : hi*3]
		s0, s1, s2 := out[0], out[1], out[2]
		if mean == nil {
			for i := 0; i+2 < len(x); i += 3 {
				r := x[i : i+3 : i+3]
				s0 += r[0]
				s1 += r[1]
				s2 += r[2]
			}
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
	clear(f.cumS)
	clear(f.cumR)
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
		f.pool.run(f.assignFn)
		f.valid = true
		changed := f.reduce()
		f.relocateEmpty()
		f.average()
		tot := f.computeShift()
		for j, sh := range f.shift {
			f.cumS[j] += sh
			if j == f.maxShiftIdx {
				f.cumR[j] += f.maxShift2
			} else {
				f.cumR[j] += f.maxShift
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
		f.pool.run(f.assignFn)
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
	if f.algo != Hamerly && f.algo != Elkan {
		return
	}
	k, d := f.k, f.d

	for j := range f.half {
		f.half[j] = math.Inf(1)
	}
	for a := 0; a < k; a++ {
		ca := f.centers[a*d : a*d+d]
		for b := a + 1; b < k; b++ {
			h := 0.5 * math.Sqrt(sqDist(ca, f.centers[b*d:b*d+d]))
			if f.cc != nil {
				f.cc[a*k+b], f.cc[b*k+a] = h, h
			}
			f.half[a] = min(f.half[a], h)
			f.half[b] = min(f.half[b], h)
		}
	}
	if f.nb != nil {
		for a := 0; a < k; a++ {
			nb := f.nb[a*(k-1) : a*(k-1)+k-1]
			i := 0
			for b := 0; b < k; b++ {
				if b != a {
					nb[i] = int32(b)
					i++
				}
			}
			cc := f.cc[a*k : a*k+k]
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
	sums := f.psum[c*k*d : (c+1)*k*d]
	ws := f.pw[c*k : (c+1)*k]
	cn := f.pcnt[c*k : (c+1)*k]
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
	clear(f.psum[c*k*d : (c+1)*k*d])
	clear(f.pw[c*k : (c+1)*k])
	clear(f.pcnt[c*k : (c+1)*k])
}

// move records in chunk c's partials that row i left cluster from for
// cluster to.
func (f *fitter) move(c, i int, from, to int32) {
	wi := f.wt(i)
	if wi == 0 || !f.delta {
		return
	}
	k, d := f.k, f.d
	s := f.psum[c*k*d : (c+1)*k*d]
	a, b := int(from)*d, int(to)*d
	for t, v := range f.x[i*d : i*d+d] {
		s[a+t] -= v * wi
		s[b+t] += v * wi
	}
	f.pw[c*k+int(from)] -= wi
	f.pw[c*k+int(to)] += wi
	f.pcnt[c*k+int(from)]--
	f.pcnt[c*k+int(to)]++
}

// reduce folds the chunks' partials into the running sums in chunk order,
// copies them to f.next and f.wsum (a cluster with no row of positive
// weight gets exactly zero), and returns the number of changed labels.
func (f *fitter) reduce() int {
	kd := f.k * f.d
	if !f.delta {
		clear(f.sums)
		clear(f.wacc)
		clear(f.cnt)
	}
	changed := 0
	for c := 0; c < f.pool.nChunks; c++ {
		for j, v := range f.psum[c*kd : (c+1)*kd] {
			f.sums[j] += v
		}
		for j, v := range f.pw[c*f.k : (c+1)*f.k] {
			f.wacc[j] += v
		}
		for j, v := range f.pcnt[c*f.k : (c+1)*f.k] {
			f.cnt[j] += v
		}
		changed += f.pchanged[c]
	}
	copy(f.next, f.sums)
	copy(f.wsum, f.wacc)
	for j, n := range f.cnt {
		if n == 0 {
			f.wsum[j] = 0
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
	for j, v := range f.wsum {
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
		f.wsum[nj] = wi
		f.wsum[old] -= wi
	}
}

// average divides the sums in f.next by the cluster weights, multiplying by
// the reciprocal as scikit-learn's _average_centers; a cluster of zero
// weight keeps its sum.
func (f *fitter) average() {
	d := f.d
	for j, wj := range f.wsum {
		if wj > 0 {
			alpha := 1 / wj
			c := f.next[j*d : j*d+d]
			for t := range c {
				c[t] *= alpha
			}
		}
	}
}

// computeShift sets f.shift to the distance between the new and old
// centres and returns the sum of squared shifts.
func (f *fitter) computeShift() float64 {
	d := f.d
	var tot float64
	f.maxShift, f.maxShift2, f.maxShiftIdx = 0, 0, 0
	for j := 0; j < f.k; j++ {
		s2 := sqDist(f.next[j*d:j*d+d], f.centers[j*d:j*d+d])
		tot += s2
		s := math.Sqrt(s2)
		f.shift[j] = s
		if s > f.maxShift {
			f.maxShift2 = f.maxShift
			f.maxShift, f.maxShiftIdx = s, j
		} else if s > f.maxShift2 {
			f.maxShift2 = s
		}
	}
	return tot
}

// inertia is sum w_i ||x_i - c_label||^2 from direct differences, reduced
// in chunk order.
func (f *fitter) inertia() float64 {
	f.pool.run(f.inertiaFn)
	var s float64
	for c := 0; c < f.pool.nChunks; c++ {
		s += f.pval[c]
	}
	return s
}

func (f *fitter) inertiaChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d := f.d
	var s float64
	for i := lo; i < hi; i++ {
		l := int(f.labels[i])
		s += f.wt(i) * sqDist(f.x[i*d:i*d+d], f.centers[l*d:l*d+d])
	}
	f.pval[c] = s
}

// result builds the model of the current run, reusing prev's memory.
func (f *fitter) result(inertia float64, iters int, converged bool, prev *KMeans) *KMeans {
	m := prev
	if m == nil {
		m = &KMeans{
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
	f.resLabels = m.Labels
	f.pool.run(f.resultFn)
	k := f.k
	for c := 0; c < f.pool.nChunks; c++ {
		for j, v := range f.pcnt[c*k : (c+1)*k] {
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

// resultChunk copies chunk c's labels to f.resLabels and counts them in
// its partial counts.
func (f *fitter) resultChunk(c int) {
	lo, hi := f.pool.bounds(c)
	cn := f.pcnt[c*f.k : (c+1)*f.k]
	clear(cn)
	dst := f.resLabels[lo:hi]
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
	if f.closest == nil {
		f.closest = make([]float64, n)
		f.cum = make([]float64, n)
		f.cand = make([]int, trials)
		f.candPot = make([]float64, trials)
		f.seedFn = f.seedChunk
		f.candFn = f.candChunk
		f.closeFn = f.closeChunk
	}
	// First centre: weighted choice.
	var acc float64
	for i := range f.cum {
		acc += f.wt(i)
		f.cum[i] = acc
	}
	first := searchCum(f.cum, rng.Float64()*acc)
	copy(f.centers[:d], f.x[first*d:first*d+d])
	f.seedCenter = f.centers[:d]
	f.pool.run(f.seedFn)
	var pot float64
	for c := 0; c < f.pool.nChunks; c++ {
		pot += f.pval[c]
	}
	for c := 1; c < k; c++ {
		acc = 0
		for i, v := range f.closest {
			acc += v * f.wt(i)
			f.cum[i] = acc
		}
		for t := range f.cand {
			f.cand[t] = searchCum(f.cum, rng.Float64()*pot)
		}
		f.pool.run(f.candFn)
		best := 0
		for t := range f.cand {
			var s float64
			for ch := 0; ch < f.pool.nChunks; ch++ {
				s += f.pval[ch*trials+t]
			}
			f.candPot[t] = s
			if s < f.candPot[best] {
				best = t
			}
		}
		pot = f.candPot[best]
		row := f.cand[best]
		copy(f.centers[c*d:c*d+d], f.x[row*d:row*d+d])
		f.seedCenter = f.centers[c*d : c*d+d]
		f.pool.run(f.closeFn)
	}
}

// searchCum is numpy's searchsorted(cum, r, side="left") clipped to the
// last index.
func searchCum(cum []float64, r float64) int {
	i := sort.SearchFloat64s(cum, r)
	return min(i, len(cum)-1)
}

func (f *fitter) seedChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d := f.d
	var s float64
	for i := lo; i < hi; i++ {
		dd := sqDist(f.x[i*d:i*d+d], f.seedCenter)
		f.closest[i] = dd
		s += dd * f.wt(i)
	}
	f.pval[c] = s
}

func (f *fitter) candChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d := f.d
	trials := len(f.cand)
	out := f.pval[c*trials : c*trials+trials]
	for t, ci := range f.cand {
		cr := f.x[ci*d : ci*d+d]
		var s float64
		for i := lo; i < hi; i++ {
			s += min(f.closest[i], sqDist(f.x[i*d:i*d+d], cr)) * f.wt(i)
		}
		out[t] = s
	}
}

func (f *fitter) closeChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d := f.d
	for i := lo; i < hi; i++ {
		f.closest[i] = min(f.closest[i], sqDist(f.x[i*d:i*d+d], f.seedCenter))
	}
}
