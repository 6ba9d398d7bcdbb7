// Package recovery computes service-recovery playbooks in advance, per
// customer, and looks them up in nanoseconds when a failure happens.
//
// # Overview
//
// A firm that knows its customers should not start working out how to
// recover from a service failure after it happens. For every customer,
// every failure type and every severity, this package decides the response
// in advance: apology level, compensation kind and amount, deadlines,
// channel, case owner and follow-up. When a failure occurs the response is
// a lookup.
//
//	m, err := recovery.New(nil)                      // default coefficients
//	book, err := m.Build(ctx, customers, nil)         // every customer x 6 types x 4 severities, in parallel
//	store := recovery.NewStore(book)                  // swap books while lookups continue
//	e, err := store.Lookup("C042", recovery.Delivery, recovery.S3)
//	r, err := e.Resolve(1200)                         // restore the 1200 in kind, plus capped goodwill
//
// Inputs per customer ([Customer]): value quadrant and tier (package
// value), lifecycle stage (package lifecycle), relationship strength in
// [0, 1], failures in the last 12 months and whether the last recovery
// satisfied, preferred channel, influence (people the customer talks to)
// and recent gross profit.
//
// Failure types and the remedy that fits each by default (Smith, Bolton &
// Wagner 1999: customers prefer recovery resources that match the type of
// failure, in amounts commensurate with its magnitude; tangible outcome
// failures call for tangible compensation, process failures such as rude
// or neglectful staff for apology and attention):
//
//	billing   money loss, billing error      money
//	defect    defective product              replacement
//	delivery  late or failed delivery        re-performance (priority redelivery)
//	service   failed service                 re-performance
//	staff     staff behaviour or neglect     attention (apology, explanation; a goodwill gesture at most)
//	outage    service unavailable            money (service credit)
//
// Severities: S1 no impact; S2 minor impact; S3 major impact; S4 the
// customer's operations stopped, a safety issue, or a repeat serious
// failure within 90 days (classifying is the caller's job).
//
// # Expected recovery
//
// What the customer expects, as a ratio of the loss, for failure type t and
// severity s, with k = min(failures in 12 months, RecurrenceCap) and
// strength r:
//
//	restore  = Restore[t] x Fault[t]
//	expected = restore x SeverityExpectation[s] x (1 + RecurrenceStep x k) x rel
//	rel      = 1 - LoyaltyBuffer x r                      no grudge
//	rel      = 1 + GrudgeBase + GrudgeLoyalty x r         last recovery did not satisfy
//
// Severity raises expectations because customers want amounts commensurate
// with the failure (Smith, Bolton & Wagner 1999). Fault follows
// attribution theory (Folkes 1984): customers expect more when the firm is
// to blame; deliveries default to 0.8 because carriers share the blame.
// Expectations rise with every failure: in the field study of Maxham &
// Netemeyer (2002) recovery expectations rose from the first failure to
// the second, and a recovery that satisfied after one failure no longer
// lifted ratings after two. Loyal customers expect less at first, because
// the relationship buffers a single failure (Hess, Ganesan & Klein 2003),
// but after a poor recovery they feel betrayed and hold the longest grudge
// (Grégoire & Fisher 2008; Grégoire, Tripp & Legoux 2009), hence
// GrudgeLoyalty.
//
// # Churn risk
//
// The starting point is the TARP complaint studies (Technical Assistance
// Research Programs for the U.S. Office of Consumer Affairs, Consumer
// Complaint Handling in America: An Update Study, 1986), as widely
// reproduced: the share who would buy again after a problem
//
//	                              minor   major
//	did not complain               37%      9%
//	complained, not resolved       46%     19%
//	complained, resolved           70%     54%
//	complained, resolved quickly   95%     82%
//
// Severity s blends the two columns with w = MajorWeight[s] (S1 minor, S4
// major, S2 and S3 in between). Churn without a good recovery starts from
// "complained, not resolved" (the firm knows of the failure), churn with
// one from "resolved quickly". Both are shifted on the log-odds scale by
// stage, history and relationship:
//
//	base(x)      = 1 - ((1-w) x RepurchaseMinor[x] + w x RepurchaseMajor[x])
//	shift        = StageLogit[stage] + FailureLogit x k + UnsatisfiedLogit x [last recovery did not satisfy]
//	churnWithout = σ(logit(base(NotResolved))     + shift + StrengthLogitWithout x r)
//	churnWith    = σ(logit(base(ResolvedQuickly)) + shift + StrengthLogitWith x r)
//
// Relationship strength lowers churn after a good recovery (Hess, Ganesan &
// Klein 2003) but raises it after a bad one (Grégoire & Fisher 2008).
// An unsatisfying recovery after a failure is a "double deviation"
// (Bitner, Booms & Tetreault 1990) that hurts more than the failure itself
// (Maxham & Netemeyer 2002).
//
// # Recovery paradox
//
// A recovery good enough to leave customers more satisfied than if nothing
// had gone wrong (Hart, Heskett & Sasser 1990) is found only in some
// conditions: the meta-analysis of de Matos, Henrique & Rossi (2007) finds
// it for satisfaction but not for repurchase intention or word of mouth;
// McCollough, Berry & Yadav (2000) did not find it; Magnini et al. (2007)
// find it when the failure is not severe and is the customer's first;
// Maxham & Netemeyer (2002) find it after one failure but not after two.
// So the model aims above expectation only for a customer with no failure
// in the last 12 months and a severity up to ParadoxMaxSeverity (S2 by
// default). Otherwise it aims to restore:
//
//	aim   = max(expected, restore)
//	aim   = aim x (1 + ParadoxUplift)              paradox eligible
//	ratio = min(aim, MaxLossMultiple)
//
// # Restoration, compensation, apology, deadlines
//
// Smith, Bolton & Wagner (1999) distinguish restoring the loss with the
// remedy that matches the failure (a refund, a replacement, a priority
// re-delivery or re-performance) from compensation beyond it. A response
// has both parts, and only the second is capped:
//
//	restoreRatio = min(Restore[t], 1)                                  (Entry.RestoreRatio)
//	restore      = restoreRatio x loss                                 never capped
//	cap          = SeverityCapShare[s] x min(QuadrantCap[q], max(ProfitShare x grossProfit, ProfitFloor))
//	want         = max(ratio - restoreRatio, 0) x loss                 goodwill asked for
//	compensation = min(want, (MaxLossMultiple - restoreRatio) x loss, cap)
//	total        = restore + compensation                              (Entry.Resolve)
//	preApproved  = min(cap, FrontLineLimit[q])
//
// The restoration is the full loss (restoreRatio 1) for every default
// failure type but staff failures (0.25: the loss there is mostly not
// money), even when the customer's expectation, lowered by shared blame or
// loyalty, is below 1 x loss: a failed delivery of 2,800 is re-delivered in
// full. The goodwill is what expectations above the restoration and the
// paradox uplift ask for; MaxLossMultiple (at least 1) limits the total,
// and the quadrant cap, the profit share with its floor and the severity
// share limit the goodwill, so that it stays in proportion to what the
// customer is worth.
//
// The front line settles a case at once when the goodwill is within
// preApproved and was not capped, and the money paid at once (the
// restoration for a money or attention remedy, plus the goodwill) is
// within FrontLineLimit[q]; restoration in kind (replacement,
// re-performance) needs no approval whatever its value. Anything else needs
// the case owner's approval: the playbook pre-decides everything up to its
// limits and leaves the rest to a person. Hart, Heskett & Sasser
// (1990) ask firms to act fast and empower the front line. The apology
// starts at ApologyBySeverity[s] (front line for S1 and S2, a manager with a
// written root cause for S3 and S4) and goes up one level, to at most an
// executive, for each of: a key quadrant at or above KeySeverity (IV from
// S3, III at S4), influence at or above InfluenceEscalation (dissatisfied
// customers tell others, TARP 1986), and a last recovery that did not
// satisfy. The case owner follows the apology level, with the account
// manager instead of the service manager for KeyAccount quadrants (IV).
// Deadlines are AcknowledgeHours[s] and ResolveHours[s] times
// TierSpeed[tier]: a quick resolution is what moves repurchase from 70% to
// 95% in the TARP figures. The channel is the customer's stated
// preference, always; otherwise DefaultChannel[s]. Follow-up checkpoints
// are FollowUpDays[s], plus GrudgeFollowUpDays for customers whose last
// recovery did not satisfy, whose avoidance grows for months (Grégoire,
// Tripp & Legoux 2009).
//
// # Defaults and their status
//
// The TARP repurchase rates are empirical. The signs and ordering of the
// other coefficients follow the cited studies; their sizes (for example
// RecurrenceStep 0.15, LoyaltyBuffer 0.2, GrudgeBase 0.25, GrudgeLoyalty
// 0.5, the log-odds shifts, ParadoxUplift 0.2, MaxLossMultiple 2) are
// policy choices, not estimates, and the caps, front-line limits, deadlines,
// channels and checkpoints are service-level policy. [DefaultSettings]
// lists them all; every one can be changed.
//
// # Settings
//
// The package follows the library's one convention. [Settings] hold the
// coefficients; [New] takes a *Settings where nil means every default and,
// in a non-nil one, every zero field (every zero array element, a nil
// slice, an all-zero FollowUpDays row) takes its default, in Go as in a
// settings file, so Settings{ProfitFloor: 30} or a file with one field
// changes one coefficient. Where zero is a meaningful choice (no loyalty
// buffer, no paradox, no grudge checkpoint), the field accepts [Off],
// which asks for zero. [Model.Build] takes ctx first and a *BuildSettings
// (the as-of time for the book's card).
//
// # Precomputation and lookup
//
// [Model.Build] validates every customer and packs it, in parallel. A
// [Book] is immutable: one open-addressing hash table (linear probing, at
// most half full) of 64-byte slots, one cache line each, in which a
// customer's slot holds its ID (inline up to 20 bytes; a longer one by
// its hash, compared with the customer's inputs on a match) and the few
// numbers all 24 of its playbook entries are computed from: the goodwill
// cap, the churn model's two exp(-x) factors, the expectation factor, the
// capped failure count, tier, quadrant, grudge, influence and channel. A
// lookup hashes the ID (an ID of 8 to 16 bytes as two words, mixed by
// two multiplications with keys drawn from the book's random seed; a
// longer one by hash/maphash), reads the home slot's line, compares the
// ID there by the same two words and its length, and computes the entry
// from the slot with a few multiplications and two divisions, from tables
// of the model that stay in cache, without a branch on the slot's
// numbers. Three IDs in four sit in their home slot; the others are found
// by reading on, slot after slot (about one ID in ten is two or more
// slots from home; on the development machine, reading the next line
// right after a miss cost 5-7% of a miss, the processor's next-line
// prefetch at work). So a lookup in a book too large for the
// caches costs one memory miss, where the layout before cost two partly
// overlapped ones (an index slot, then the playbook block it led to), and
// the one before that two to three in a row (chunk header, then block).
// The entries equal the ones [Model.Playbook] computes directly, bit for
// bit: both run the same code. BenchmarkLookupSpread measures a lookup
// spread over a 1M-customer book against a pointer chase over an array as
// large as the table, in the same run; the README's performance section
// has the figures. With the customers' inputs kept in input order for
// rebuilding, a book holds 128 to 256 bytes of table per customer plus
// the inputs (BenchmarkBookMemory). [Book.Lookup] is O(1), does not
// allocate and is safe for concurrent use; a customer not in the book is
// an error wrapping [ErrNotFound], and a nil *Book is an empty book.
// [Book.WithCustomers] returns a new book with some customers rebuilt or
// added: it copies the 256-customer chunks of inputs and the 4096-slot
// pages of the table it changes, and rebuilds the table twice as large
// when adding would make it over half full.
// [Store] holds the current book in an atomic pointer: lookups never block
// and see either the old or the new book, never a half-built one.
//
// Books and settings marshal to JSON in the library's envelope,
// {"format": ..., "version": ..., ...} ([BookFormat], [SettingsFormat]),
// and json.Unmarshal is the one way back. A book's envelope carries a
// model card ([Book.Card]: library version, as-of, customers, a
// fingerprint of the inputs), its settings and its customers. The full
// form lists every playbook entry (about 6 KB per customer) and is
// checked against a rebuild on decoding, card included;
// [Book.MarshalInputsJSON] writes only the card, the settings and the
// inputs (about 250 bytes per customer), from which json.Unmarshal
// rebuilds the same book. [Book.WriteJSON] and [Book.WriteInputsJSON]
// write the same bytes to an io.Writer a few hundred customers at a
// time, encoded on every core, for a book too large to hold encoded (a
// million customers' full form is about 6 GB). Decoding is strict: another format or version
// is a *cvm.FormatError, and unknown fields and trailing data are errors.
// No binary form is provided: the playbooks are rebuilt from the inputs in
// about a second per million customers, so storing them in binary would
// not pay for itself.
//
// # References
//
//   - Bitner, M. J., Booms, B. H. & Tetreault, M. S. (1990). The service
//     encounter: diagnosing favorable and unfavorable incidents. Journal of
//     Marketing 54(1), 71-84.
//   - de Matos, C. A., Henrique, J. L. & Rossi, C. A. V. (2007). Service
//     recovery paradox: a meta-analysis. Journal of Service Research 10(1),
//     60-77.
//   - Folkes, V. S. (1984). Consumer reactions to product failure: an
//     attributional approach. Journal of Consumer Research 10, 398-409.
//   - Grégoire, Y. & Fisher, R. J. (2008). Customer betrayal and
//     retaliation: when your best customers become your worst enemies.
//     Journal of the Academy of Marketing Science 36(2), 247-261.
//   - Grégoire, Y., Tripp, T. M. & Legoux, R. (2009). When customer love
//     turns into lasting hate: the effects of relationship strength and
//     time on customer revenge and avoidance. Journal of Marketing 73(6),
//     18-32.
//   - Hart, C. W. L., Heskett, J. L. & Sasser, W. E. (1990). The profitable
//     art of service recovery. Harvard Business Review 68(4), 148-156.
//   - Hess, R. L., Ganesan, S. & Klein, N. M. (2003). Service failure and
//     recovery: the impact of relationship factors on customer
//     satisfaction. Journal of the Academy of Marketing Science 31(2),
//     127-145.
//   - Magnini, V. P., Ford, J. B., Markowski, E. P. & Honeycutt, E. D.
//     (2007). The service recovery paradox: justifiable theory or
//     smoldering myth? Journal of Services Marketing 21(3), 213-225.
//   - Maxham, J. G. & Netemeyer, R. G. (2002). A longitudinal study of
//     complaining customers' evaluations of multiple service failures and
//     recovery efforts. Journal of Marketing 66(4), 57-71.
//   - McCollough, M. A., Berry, L. L. & Yadav, M. S. (2000). An empirical
//     investigation of customer satisfaction after service failure and
//     recovery. Journal of Service Research 3(2), 121-137.
//   - Smith, A. K., Bolton, R. N. & Wagner, J. (1999). A model of customer
//     satisfaction with service encounters involving failure and recovery.
//     Journal of Marketing Research 36(3), 356-372.
//   - TARP, Technical Assistance Research Programs (1986). Consumer
//     Complaint Handling in America: An Update Study. Washington, DC: U.S.
//     Office of Consumer Affairs.
package recovery
