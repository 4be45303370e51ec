import RealNumerics

extension EPropWorkspace {
    /// Where a block's learning signal L_j^u comes from.
    @usableFromInline
    enum SignalSource {
        /// The per-step loss: from the recorded output errors.
        case recorded
        /// The summed-readout loss before its last block: the final L is not known yet, so
        /// the block accumulates Σ_t ē^t (L ≡ 1) into the per-sample trace sum S.
        case unit
        /// The summed-readout loss in its last block: the final L, constant over time.
        case final
    }

    /// Sweeps sample b over its block of n steps t0 ..< t0 + n, just recorded: adds the
    /// block's part of Σ_t L^t ē^t to the gradient and carries ε, ē to the block's end; for
    /// the per-step loss also adds the block's part of ∂E/∂W_out = Σ_t err^t ⊗ z̄^t.
    ///
    /// With J, g, ψ, L of the block at hand, the block's contribution follows from a
    /// neuron-level backward pass instead of a forward pass over every synapse and step. Per
    /// neuron (k-vectors; u runs backwards over the block, σ^n = 0, M^{n−1} = I):
    ///
    ///     λ^u = L^u + κ λ^{u+1}                 σ^u = λ^u ψ^u + (J^{u+1})ᵀ σ^{u+1}
    ///     (per-step loss: ȳ^u = err^u + κ ȳ^{u+1}, λ^u = Bᵀ ȳ^u)
    ///     a^u = g^u · σ^u                        σ̃^u = κ^{n−1−u} ψ^u + (J^{u+1})ᵀ σ̃^{u+1}
    ///     γ^u = M^u g^u,  M^u = M^{u+1} J^{u+1}   ã^u = g^u · σ̃^u
    ///
    /// and then, summing the e-prop recursion by parts, for every presynaptic entry p:
    ///
    ///     Σ_u L^u ē_p^u = Σ_u a^u p_p^u + (J^{0ᵀ} σ^0) · ε_p^{t0−1} + κ λ^0 ē_p^{t0−1}
    ///     ε_p^{t0+n−1} = Σ_u γ^u p_p^u + M^0 J^0 ε_p^{t0−1}
    ///     ē_p^{t0+n−1} = Σ_u ã^u p_p^u + (J^{0ᵀ} σ̃^0) · ε_p^{t0−1} + κ^n ē_p^{t0−1}
    ///
    /// This is exactly the online recursion ε^t = J^t ε^{t−1} + g^t p^t, ē^t = κ ē^{t−1} + ψ^t·ε^t,
    /// ∂E/∂W_jp += L^t ē^t, reordered (floats round differently). The p terms touch only
    /// the block's active entries (binary, event-driven); each eligibility row is read and
    /// written once per block (not at all in the first block's read or the last block's
    /// write), so its traffic is O(B·H·P·k·T/τ) instead of O(B·H·P·k·T), and the synapse-level
    /// work per block is O(k²) per synapse plus O(k) per event and neuron.
    ///
    /// The readout works the same way with J = κ, g = ψ = 1 and the spikes as events:
    /// Σ_u err^u ⊗ z̄^u = Σ_u ȳ^u ⊗ z^u + κ ȳ^0 ⊗ z̄^{t0−1}, so only spiking neurons are touched.
    ///
    /// Factorised path (`perNeuron == false`): J and g are the model's constants, so ε is the
    /// same for all neurons of a sample (one value per lane) and Φ, γ are scalars; σ, a, ē stay
    /// per neuron (ψ and L are).
    @inlinable
    func sweep(sample b: Int, steps n: Int, first: Bool, last: Bool, readoutGradient gOut: UnsafeMutablePointer<F>) {
        let H = hidden, N = width, P = presynaptic, C = classes, k = stateCount, W = laneWidth
        let carry = !last
        let filterCarry = carry && leaky
        let source: SignalSource = summed ? (last ? .final : .unit) : .recorded
        let lambda = signal, sigma = adjoint, sigmaF = filteredAdjoint, M = propagator
        let J = constantJacobian, g = constantGain

        // Neuron level: backward over the block.
        Row.clear(lambda, N)
        Row.clear(filteredError, C)
        Row.clear(sigma, k * N)
        if filterCarry { Row.clear(sigmaF, k * N) }
        if carry {
            Row.clear(M, k * k * W)
            for l in 0..<k { (M + (l * k + l) * W).update(repeating: 1, count: W) }
        }
        /// target = (or +=) J^v_qm ⊙ source over `count` neurons: J from the record (general
        /// path) or the model's constant (factorised).
        func jacobian(_ q: Int, _ m: Int, step v: Int, times source: UnsafePointer<F>, into target: UnsafeMutablePointer<F>,
                      adding: Bool, _ count: Int) {
            if perNeuron {
                let row = UnsafePointer(recordRow(step: v, component: q * k + m))
                if adding { Row.add(target, row, times: source, count) } else { Row.set(target, row, times: source, count) }
            } else {
                if adding { Row.add(target, J[q * k + m], times: source, count) } else { Row.set(target, J[q * k + m], times: source, count) }
            }
        }
        /// target = (or +=) g^u_m ⊙ source, likewise.
        func gain(_ m: Int, step u: Int, times source: UnsafePointer<F>, into target: UnsafeMutablePointer<F>, adding: Bool, _ count: Int) {
            if perNeuron {
                let row = UnsafePointer(recordRow(step: u, component: k * k + m))
                if adding { Row.add(target, row, times: source, count) } else { Row.set(target, row, times: source, count) }
            } else {
                if adding { Row.add(target, g[m], times: source, count) } else { Row.set(target, g[m], times: source, count) }
            }
        }
        /// x_l ← Σ_m J^v_ml x_m for the k lanes (N each) of x.
        func transposedJacobian(step v: Int, times x: UnsafeMutablePointer<F>) {
            for l in 0..<k {
                for m in 0..<k { jacobian(m, l, step: v, times: x + m * N, into: product + l * N, adding: m > 0, N) }
            }
            Row.copy(x, product, k * N)
        }
        /// M ← M J^v (k×k lanes of W).
        func propagateM(step v: Int) {
            for l in 0..<k {
                for m in 0..<k {
                    for q in 0..<k { jacobian(q, m, step: v, times: M + (l * k + q) * W, into: product + (l * k + m) * W, adding: q > 0, W) }
                }
            }
            Row.copy(M, product, k * k * W)
        }
        /// y = Σ_l g^u_l x_l.
        func inputGain(step u: Int, dot x: UnsafePointer<F>, into y: UnsafeMutablePointer<F>) {
            for l in 0..<k { gain(l, step: u, times: x + l * N, into: y, adding: l > 0, N) }
        }
        func propagate(step v: Int) {
            transposedJacobian(step: v, times: sigma)
            if filterCarry { transposedJacobian(step: v, times: sigmaF) }
            if carry { propagateM(step: v) }
        }

        var weight: F = 1 // κ^{n−1−u}
        var u = n - 1
        while u >= 0 {
            if u < n - 1 { propagate(step: u + 1) }
            switch source {
            case .recorded:
                let err = outputErrors + u * C, yBar = filteredError
                for c in 0..<C { yBar[c] = err[c].addingProduct(kappa, yBar[c]) }
                Row.combine(lambda, rows: feedback, stride: N, weights: yBar, count: C, N)
                let fired = spikes + u * H
                for i in 0..<spikeCounts[u] {
                    let j = Int(fired[i])
                    for c in 0..<C { gOut[c * H + j] += yBar[c] }
                }
            case .unit: Row.leak(lambda, kappa, plus: 1, N)
            case .final: Row.leak(lambda, kappa, plus: UnsafePointer(finalSignal), N)
            }
            func psi(_ l: Int) -> UnsafePointer<F> { UnsafePointer(recordRow(step: u, component: psiComponent + l)) }
            for l in 0..<k { Row.add(sigma + l * N, lambda, times: psi(l), N) }
            inputGain(step: u, dot: sigma, into: adjointInput + u * N)
            if carry {
                // γ^u = M^u g^u, in lanes, then interleaved like ε (`Row.interleave`).
                for l in 0..<k {
                    for m in 0..<k { gain(m, step: u, times: M + (l * k + m) * W, into: product + l * W, adding: m > 0, W) }
                }
                Row.interleave(product, lanes: k, width: W, into: traceInput + u * k * W)
                if leaky {
                    for l in 0..<k { Row.add(sigmaF + l * N, weight, times: psi(l), N) }
                    inputGain(step: u, dot: sigmaF, into: filteredInput + u * N)
                }
            }
            weight *= kappa
            u -= 1
        }
        // The coefficients of the carried-in traces: σ ← J^{0ᵀ}σ, σ̃ ← J^{0ᵀ}σ̃, M ← Φ = M J^0, λ ← κλ.
        if !first {
            propagate(step: 0)
            if leaky {
                Row.scale(lambda, by: kappa, N)
                if source == .recorded {
                    for c in 0..<C { Row.add(gOut + c * H, kappa * filteredError[c], times: blockStartSpikes, H) }
                }
            }
        }

        // Synapse level: bucket the block's events of sample b by presynaptic entry.
        bucketStart.update(repeating: 0, count: P + 1)
        for u in 0..<n {
            let e = events + u * P
            for i in 0..<eventCounts[u] { bucketStart[Int(e[i]) + 1] &+= 1 }
        }
        for p in 0..<P { bucketStart[p + 1] &+= bucketStart[p] }
        bucketCursor.update(from: bucketStart, count: P)
        for u in 0..<n {
            let e = events + u * P
            for i in 0..<eventCounts[u] {
                let p = Int(e[i])
                bucketSteps[Int(bucketCursor[p])] = Int32(u)
                bucketCursor[p] &+= 1
            }
        }

        // One pass over the sample's rows.
        let boundary = TraceBoundary(coefficients: sigma, filterCoefficient: leaky ? UnsafePointer(lambda) : nil,
                                     filterDecay: weight, filteredCoefficients: filterCarry ? UnsafePointer(sigmaF) : nil,
                                     propagator: carry ? UnsafePointer(M) : nil,
                                     foldSignal: source == .final && !first ? UnsafePointer(finalSignal) : nil)
        let accumulatesSample = source == .unit
        for p in 0..<P {
            let row = b * P + p
            // S and ē rows are H long (traces are not padded), the accumulator N.
            let summedRow = summedTraces + row * H
            let acc = accumulatesSample ? summedRow : gradientT + p * N
            let eps = eligibility + row * k * W
            let eBar = filtered + row * H
            if !first {
                switch k {
                case 1: boundary.apply(Lanes1.self, accumulator: acc, eligibility: eps, laneStride: W, filtered: eBar, summed: summedRow, perNeuron: perNeuron, count: H, width: N)
                case 2: boundary.apply(Lanes2.self, accumulator: acc, eligibility: eps, laneStride: W, filtered: eBar, summed: summedRow, perNeuron: perNeuron, count: H, width: N)
                default: boundary.apply(Lanes3.self, accumulator: acc, eligibility: eps, laneStride: W, filtered: eBar, summed: summedRow, perNeuron: perNeuron, count: H, width: N)
                }
            } else if carry {
                Row.clear(eps, k * W)
                if leaky { Row.clear(eBar, H) }
            }
            if first && accumulatesSample { Row.clear(acc, H) }
            let stepsOfP = Int(bucketStart[p])..<Int(bucketStart[p + 1])
            Row.add(acc, rows: adjointInput, stride: N, selected: bucketSteps, stepsOfP, accumulatesSample ? H : N)
            if carry {
                Row.add(eps, rows: traceInput, stride: k * W, selected: bucketSteps, stepsOfP, k * W)
                if leaky { Row.add(eBar, rows: filteredInput, stride: N, selected: bucketSteps, stepsOfP, H) }
            }
        }
    }
}

/// A compile-time lane count k (1, 2 or 3), so the fused boundary kernel keeps the k lanes of
/// ε in registers and unrolls its k×k products.
@usableFromInline protocol LaneCount { static var count: Int { get } }
@usableFromInline enum Lanes1: LaneCount { @inlinable static var count: Int { 1 } }
@usableFromInline enum Lanes2: LaneCount { @inlinable static var count: Int { 2 } }
@usableFromInline enum Lanes3: LaneCount { @inlinable static var count: Int { 3 } }

/// The coefficients with which a block reads and carries the eligibility state it inherits
/// (see `EPropWorkspace.sweep`), per neuron (rows of N floats: k of c = J^{0ᵀ}σ^0 and of
/// c̃ = J^{0ᵀ}σ̃^0, one of κ λ^0; k² rows of W of Φ = M^0 J^0, k² scalars when shared),
/// applied to one presynaptic entry p in a single pass over j:
///
///     acc += Σ_l c_l ε_l + κλ ē (+ L S, the summed loss's earlier blocks, in its last block)
///     ē   ← κ^n ē + Σ_l c̃_l ε_l           (when carried and κ > 0)
///     ε_l ← Σ_m Φ_lm ε_m                    (when carried)
///
/// ε is read once and written once; per 8 neurons that is 2k (+2) vector loads and stores
/// against k² + 2k + 2 multiply-adds, so the pass runs at memory speed.
@usableFromInline
struct TraceBoundary<F: RealScalar> {
    @usableFromInline let coefficients: UnsafePointer<F>
    @usableFromInline let filterCoefficient: UnsafePointer<F>?
    @usableFromInline let filterDecay: F
    @usableFromInline let filteredCoefficients: UnsafePointer<F>?
    @usableFromInline let propagator: UnsafePointer<F>?
    @usableFromInline let foldSignal: UnsafePointer<F>?

    @inlinable
    init(coefficients: UnsafeMutablePointer<F>, filterCoefficient: UnsafePointer<F>?, filterDecay: F, filteredCoefficients: UnsafePointer<F>?,
         propagator: UnsafePointer<F>?, foldSignal: UnsafePointer<F>?) {
        self.coefficients = UnsafePointer(coefficients)
        self.filterCoefficient = filterCoefficient
        self.filterDecay = filterDecay
        self.filteredCoefficients = filteredCoefficients
        self.propagator = propagator
        self.foldSignal = foldSignal
    }

    /// One presynaptic entry: `eligibility` holds k lanes of H floats interleaved by eight
    /// (`Row.interleave`; per neuron) or k floats (shared); the accumulator, `filtered` and `summed` rows H floats
    /// (the latter two read only when in use); coefficient rows are N ≥ H long (padded to 8).
    /// A partial last vector of the H-long rows goes through a zero-padded copy, so there is
    /// one code path.
    @inlinable
    func apply<K: LaneCount>(_: K.Type, accumulator acc: UnsafeMutablePointer<F>, eligibility eps: UnsafeMutablePointer<F>,
                             laneStride W: Int, filtered eBar: UnsafeMutablePointer<F>, summed: UnsafeMutablePointer<F>,
                             perNeuron: Bool, count H: Int, width N: Int) {
        let k = K.count
        typealias V = SIMD8<F>
        func pick(_ e: (V, V, V), _ l: Int) -> V { l == 0 ? e.0 : (l == 1 ? e.1 : e.2) }
        /// Eight neurons from j on; the trace rows (ε lanes `stride` apart, ē, S) start at j.
        func chunk(_ j: Int, acc: UnsafeMutablePointer<F>, eps: UnsafeMutablePointer<F>, stride: Int, eBar: UnsafeMutablePointer<F>,
                   summed: UnsafeMutablePointer<F>) {
            func lane(_ l: Int) -> V { l < k ? Row.vector(eps, l * stride) : V() }
            let e = perNeuron ? (lane(0), lane(1), lane(2)) : (V(repeating: eps[0]), V(repeating: k > 1 ? eps[1] : 0), V(repeating: k > 2 ? eps[2] : 0))
            var a = Row.vector(acc, 0)
            for l in 0..<k { a = a.addingProduct(Row.vector(coefficients, l * N + j), pick(e, l)) }
            let ebar = filterCoefficient == nil ? V() : Row.vector(eBar, 0)
            if let filterCoefficient { a = a.addingProduct(Row.vector(filterCoefficient, j), ebar) }
            if let foldSignal { a = a.addingProduct(Row.vector(foldSignal, j), Row.vector(summed, 0)) }
            Row.store(a, acc, 0)
            if let filteredCoefficients {
                var f = ebar * filterDecay
                for l in 0..<k { f = f.addingProduct(Row.vector(filteredCoefficients, l * N + j), pick(e, l)) }
                Row.store(f, eBar, 0)
            }
            if let propagator, perNeuron {
                for l in 0..<k {
                    var x = V()
                    for m in 0..<k { x = x.addingProduct(Row.vector(propagator, (l * k + m) * W + j), pick(e, m)) }
                    Row.store(x, eps, l * stride)
                }
            }
        }
        let full = H - H % 8
        for j in Swift.stride(from: 0, to: full, by: 8) {
            chunk(j, acc: acc + j, eps: perNeuron ? eps + j * k : eps, stride: 8, eBar: eBar + j, summed: summed + j)
        }
        if full < H {
            let tail = H - full
            withUnsafeTemporaryAllocation(of: F.self, capacity: 8 * (k + 3)) { buffer in
                let t = buffer.baseAddress!
                t.initialize(repeating: 0, count: 8 * (k + 3))
                let tEps = perNeuron ? t : eps, tBar = t + 8 * k, tSum = t + 8 * (k + 1), tAcc = t + 8 * (k + 2)
                if perNeuron { for l in 0..<k { (t + 8 * l).update(from: eps + full * k + l * tail, count: tail) } }
                if filterCoefficient != nil { tBar.update(from: eBar + full, count: tail) }
                if foldSignal != nil { tSum.update(from: summed + full, count: tail) }
                tAcc.update(from: acc + full, count: tail)
                chunk(full, acc: tAcc, eps: tEps, stride: 8, eBar: tBar, summed: tSum)
                (acc + full).update(from: tAcc, count: tail)
                if perNeuron { for l in 0..<k { (eps + full * k + l * tail).update(from: t + 8 * l, count: tail) } }
                if filteredCoefficients != nil { (eBar + full).update(from: tBar, count: tail) }
            }
        }
        if let propagator, !perNeuron {
            let e = (eps[0], k > 1 ? eps[1] : 0, k > 2 ? eps[2] : 0)
            for l in 0..<k {
                var x: F = 0
                for m in 0..<k { x = x.addingProduct(propagator[l * k + m], m == 0 ? e.0 : (m == 1 ? e.1 : e.2)) }
                eps[l] = x
            }
        }
    }
}
