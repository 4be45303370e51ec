import Foundation
import RealNumerics
import SpikeData

/// The parameters of the cochlea-like front end (`CochleaEncoder`). Decoding fills absent
/// keys with the defaults documented here; `validate` names the first bad key.
public struct CochleaParameters: Codable, Sendable, Equatable {
    /// Number of channels = spike units (SHD: 700), 1 … 65 536 (units are `UInt16`).
    public var channels: Int = 700
    /// Rate (Hz) every clip is resampled to before filtering. Default 16 000.
    public var workingRate: Double = 16_000
    /// Centre frequency (Hz) of channel 0. Default 50.
    public var lowestFrequency: Double = 50
    /// Centre frequency (Hz) of the last channel, below 0.45 × `workingRate`. Default 7 000
    /// (an 8 kHz top channel would straddle the 8 kHz Nyquist frequency of 16 kHz audio).
    public var highestFrequency: Double = 7_000
    /// Channel bandwidth in ERBs (equivalent rectangular bandwidths of the human ear). Default 1.
    public var bandwidthScale: Double = 1
    /// Corner frequency f_p (Hz) of the first-order pre-emphasis x[n] − e^{−2π f_p / workingRate}
    /// x[n−1], which raises the spectrum by 6 dB per octave above f_p (like the outer and
    /// middle ear, so that weak high-frequency speech sounds reach threshold); nil disables
    /// it. Default 300. Applied at the working rate, before `peakLevel`.
    public var preEmphasisFrequency: Double? = 300
    /// Each clip is scaled so its largest |sample| is this (full scale 1), making the output
    /// independent of recording level; nil keeps the recorded level. Default 1.
    public var peakLevel: Double? = 1
    /// τ_m (s): the time constant of the leaky integrator that drives each channel's spikes
    /// from its compressed, rectified filter output. Default 0.002 (2 ms).
    public var membraneTimeConstant: Double = 0.002
    /// θ: the base firing threshold, in units of the compressed signal (the 4th root of the
    /// rectified filter output at full scale 1; a steady tone of amplitude A drives the
    /// integrator to about 0.43 · A^¼). Default 0.19, which makes the espeak-ng digits about as
    /// sparse as SHD: about 3 % of the channels active per 14 ms bin over 1.4 s.
    public var threshold: Double = 0.19
    /// Dead time (s) after a spike, during which the integrator is held at 0. Default 0.001.
    public var refractoryPeriod: Double = 0.001
    /// τ_a (s): decay time constant of the threshold adaptation. Default 0.05 (50 ms).
    public var adaptationTimeConstant: Double = 0.05
    /// Added to the threshold at each spike (same units as `threshold`), then decays with
    /// τ_a: sustained sounds fire less than onsets, as auditory-nerve and bushy cells do. Default 0.1.
    public var adaptationIncrement: Double = 0.1

    public init() {}

    /// JSON keys: snake_case like the training configs (`working_rate`, `peak_level`, …);
    /// `validate` names keys the same way.
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case channels, threshold
        case workingRate = "working_rate"
        case lowestFrequency = "lowest_frequency"
        case highestFrequency = "highest_frequency"
        case bandwidthScale = "bandwidth_scale"
        case preEmphasisFrequency = "pre_emphasis_frequency"
        case peakLevel = "peak_level"
        case membraneTimeConstant = "membrane_time_constant"
        case refractoryPeriod = "refractory_period"
        case adaptationTimeConstant = "adaptation_time_constant"
        case adaptationIncrement = "adaptation_increment"
    }

    /// Decodes from a JSON object whose keys are the snake_case property names
    /// (`{"channels": 350, "working_rate": 16000, "peak_level": null}`); absent keys take the
    /// defaults, null disables `pre_emphasis_frequency` / `peak_level`, and an unknown key is a
    /// `ConfigurationError` (a misspelt key is never silently ignored).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CochleaParameters()
        channels = try c.decodeIfPresent(Int.self, forKey: .channels) ?? d.channels
        workingRate = try c.decodeIfPresent(Double.self, forKey: .workingRate) ?? d.workingRate
        lowestFrequency = try c.decodeIfPresent(Double.self, forKey: .lowestFrequency) ?? d.lowestFrequency
        highestFrequency = try c.decodeIfPresent(Double.self, forKey: .highestFrequency) ?? d.highestFrequency
        bandwidthScale = try c.decodeIfPresent(Double.self, forKey: .bandwidthScale) ?? d.bandwidthScale
        preEmphasisFrequency = c.contains(.preEmphasisFrequency)
            ? try c.decodeIfPresent(Double.self, forKey: .preEmphasisFrequency) : d.preEmphasisFrequency
        peakLevel = c.contains(.peakLevel) ? try c.decodeIfPresent(Double.self, forKey: .peakLevel) : d.peakLevel
        membraneTimeConstant = try c.decodeIfPresent(Double.self, forKey: .membraneTimeConstant) ?? d.membraneTimeConstant
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold) ?? d.threshold
        refractoryPeriod = try c.decodeIfPresent(Double.self, forKey: .refractoryPeriod) ?? d.refractoryPeriod
        adaptationTimeConstant = try c.decodeIfPresent(Double.self, forKey: .adaptationTimeConstant) ?? d.adaptationTimeConstant
        adaptationIncrement = try c.decodeIfPresent(Double.self, forKey: .adaptationIncrement) ?? d.adaptationIncrement
    }

    /// Encodes every key, absent values as null (so that a nil `peakLevel` or
    /// `preEmphasisFrequency` survives a round trip instead of decoding to its default).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channels, forKey: .channels)
        try c.encode(workingRate, forKey: .workingRate)
        try c.encode(lowestFrequency, forKey: .lowestFrequency)
        try c.encode(highestFrequency, forKey: .highestFrequency)
        try c.encode(bandwidthScale, forKey: .bandwidthScale)
        try c.encode(preEmphasisFrequency, forKey: .preEmphasisFrequency)
        try c.encode(peakLevel, forKey: .peakLevel)
        try c.encode(membraneTimeConstant, forKey: .membraneTimeConstant)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(refractoryPeriod, forKey: .refractoryPeriod)
        try c.encode(adaptationTimeConstant, forKey: .adaptationTimeConstant)
        try c.encode(adaptationIncrement, forKey: .adaptationIncrement)
    }

    /// Checks every range stated above; errors name the key as `prefix.key`.
    public func validate(prefix: String = "cochlea") throws(ConfigurationError) {
        func check(_ ok: Bool, _ key: CodingKeys, _ message: @autoclosure () -> String) throws(ConfigurationError) {
            if !ok { throw ConfigurationError(key: "\(prefix).\(key.rawValue)", message: message()) }
        }
        try check((1...65_536).contains(channels), .channels, "must be in 1...65536, got \(channels)")
        try check(workingRate.isFinite && workingRate > 0, .workingRate, "must be positive, got \(workingRate)")
        try check(lowestFrequency.isFinite && lowestFrequency > 0, .lowestFrequency, "must be positive, got \(lowestFrequency)")
        try check(highestFrequency >= lowestFrequency && highestFrequency < 0.45 * workingRate, .highestFrequency,
                  "must be in [lowest_frequency, 0.45 × working_rate) = [\(lowestFrequency), \(0.45 * workingRate)), got \(highestFrequency)")
        try check(bandwidthScale.isFinite && bandwidthScale > 0, .bandwidthScale, "must be positive, got \(bandwidthScale)")
        try check(preEmphasisFrequency.map { $0.isFinite && $0 > 0 } ?? true, .preEmphasisFrequency,
                  "must be positive or null, got \(preEmphasisFrequency!)")
        try check(peakLevel.map { $0.isFinite && $0 > 0 } ?? true, .peakLevel, "must be positive or null, got \(peakLevel!)")
        try check(membraneTimeConstant.isFinite && membraneTimeConstant > 0, .membraneTimeConstant, "must be positive, got \(membraneTimeConstant)")
        try check(threshold.isFinite && threshold > 0, .threshold, "must be positive, got \(threshold)")
        try check(refractoryPeriod.isFinite && refractoryPeriod >= 0, .refractoryPeriod, "must be non-negative, got \(refractoryPeriod)")
        try check(adaptationTimeConstant.isFinite && adaptationTimeConstant > 0, .adaptationTimeConstant, "must be positive, got \(adaptationTimeConstant)")
        try check(adaptationIncrement.isFinite && adaptationIncrement >= 0, .adaptationIncrement, "must be non-negative, got \(adaptationIncrement)")
    }
}

/// Audio → spikes through a cochlea-like front end, in the spirit of the hair-cell /
/// bushy-cell model behind the Spiking Heidelberg Digits.
///
/// For a clip: (1) resample to `workingRate` (`Resampler`), pre-emphasise and scale to
/// `peakLevel` (`preprocess`); (2) filter through `filterbank` (gammatone-like, ERB-spaced);
/// then per channel and working-rate sample (dt = 1 / workingRate), (3) half-wave rectify and
/// compress, c = max(y, 0)^¼ (basilar-membrane-like compression), and (4) encode with an
/// adaptive leaky integrate-and-fire unit:
///
///     v ← v + (1 − e^{−dt/τ_m}) (c − v)      (held at 0 during the refractory period)
///     a ← a · e^{−dt/τ_a}
///     spike when v ≥ θ + a; then v ← 0, a ← a + adaptationIncrement, refractory for t_ref.
///
/// A spike at sample n has time n / workingRate seconds and unit = channel index (0 = lowest
/// frequency). The output is sorted by time, then unit. Everything is in fixed-order Float
/// arithmetic, so the same audio and parameters give bit-identical spikes.
/// Cost: O(samples · channels) per clip, streamed in cache-sized chunks (memory O(samples +
/// channels + spikes)); with the defaults about 10 ms per second of audio on one core.
public struct CochleaEncoder: Sendable {
    public let parameters: CochleaParameters
    public let filterbank: Filterbank

    /// An encoder for valid `parameters` (see `CochleaParameters.validate`).
    public init(_ parameters: CochleaParameters = CochleaParameters()) throws(ConfigurationError) {
        try parameters.validate()
        self.parameters = parameters
        filterbank = Filterbank(channels: parameters.channels, lowestFrequency: parameters.lowestFrequency,
                                highestFrequency: parameters.highestFrequency, sampleRate: parameters.workingRate,
                                bandwidthScale: parameters.bandwidthScale)
    }

    /// The signal the filterbank sees: the clip resampled to `workingRate`, pre-emphasised
    /// and scaled to `peakLevel`.
    public func preprocess(_ clip: AudioClip) -> [Float] {
        var signal = clip.sampleRate == parameters.workingRate
            ? clip.samples : Resampler(from: clip.sampleRate, to: parameters.workingRate)(clip.samples)
        if let corner = parameters.preEmphasisFrequency {
            let rho = Float(exp(-2 * Double.pi * corner / parameters.workingRate))
            for n in signal.indices.reversed().dropLast() { signal[n] -= rho * signal[n - 1] }
        }
        if let level = parameters.peakLevel, let peak = signal.lazy.map(abs).max(), peak > 0 {
            let gain = Float(level) / peak
            for n in signal.indices { signal[n] *= gain }
        }
        return signal
    }

    /// The spikes of one clip.
    public func encode(_ clip: AudioClip) -> SpikeEvents {
        let signal = preprocess(clip)
        let lanes = ChannelGroup.scalarCount
        let dt = 1 / parameters.workingRate
        let leak = ChannelGroup(repeating: Float(-expm1(-dt / parameters.membraneTimeConstant)))
        let decay = ChannelGroup(repeating: Float(exp(-dt / parameters.adaptationTimeConstant)))
        let theta = ChannelGroup(repeating: Float(parameters.threshold))
        let increment = ChannelGroup(repeating: Float(parameters.adaptationIncrement))
        let deadSteps = ChannelGroup(repeating: Float((parameters.refractoryPeriod / dt).rounded()))
        let chunk = 256
        var buffer = [ChannelGroup](repeating: .zero, count: chunk)
        // One key per spike: sample index << 16 | unit, so sorting orders by time, then unit.
        var keys: [UInt64] = []
        signal.withUnsafeBufferPointer { x in
            buffer.withUnsafeMutableBufferPointer { y in
                for g in 0..<filterbank.groupCount {
                    var filterState = Filterbank.State()
                    var v = ChannelGroup.zero, a = ChannelGroup.zero, dead = ChannelGroup.zero
                    for start in stride(from: 0, to: x.count, by: chunk) {
                        let piece = UnsafeBufferPointer(rebasing: x[start..<min(start + chunk, x.count)])
                        filterbank.filter(group: g, piece, into: y.baseAddress!, state: &filterState)
                        for i in 0..<piece.count {
                            let c = y[i].replacing(with: 0, where: y[i] .< 0).squareRoot().squareRoot()
                            let held = dead .> 0
                            dead = (dead - 1).replacing(with: 0, where: .!held)
                            v = v.addingProduct(leak, c - v).replacing(with: 0, where: held)
                            a *= decay
                            let fire = v .>= theta + a
                            guard any(fire) else { continue }
                            for lane in 0..<lanes where fire[lane] {
                                keys.append(UInt64(start + i) << 16 | UInt64(g * lanes + lane))
                            }
                            v.replace(with: 0, where: fire)
                            a.replace(with: a + increment, where: fire)
                            dead.replace(with: deadSteps, where: fire)
                        }
                    }
                }
            }
        }
        keys.sort()
        let rate = parameters.workingRate
        return SpikeEvents(times: keys.map { Float(Double($0 >> 16) / rate) },
                           units: keys.map { UInt16(truncatingIfNeeded: $0 & 0xFFFF) })
    }

    /// The spikes of each WAV file, in order, read and encoded on all cores. Throws the error of
    /// the first unreadable file (in `files` order).
    public func encode(files: [URL]) throws(WAVError) -> [SpikeEvents] {
        try parallelMap(files.count) { i throws(WAVError) in try encode(WAVFile.read(files[i])) }
    }

    /// The train and test `EventDataset`s of a scanned WAV collection (classes, speakers and
    /// split as `collection` defines them; samples in collection order).
    public func encode(_ collection: WAVCollection) throws(WAVError) -> (train: EventDataset, test: EventDataset) {
        let items = collection.items
        return EventDataset.split(try encode(files: items.map(\.file)), labels: items.map(\.label), speakers: items.map(\.speaker),
                                  isTest: items.map(\.isTest), classNames: collection.classNames, channelCount: parameters.channels)
    }
}

extension EventDataset {
    /// The samples with `isTest` false and true as two datasets (order kept), from parallel
    /// per-sample arrays of equal length.
    static func split(_ samples: [SpikeEvents], labels: [Int], speakers: [Int], isTest: [Bool],
                      classNames: [String], channelCount: Int) -> (train: EventDataset, test: EventDataset) {
        func part(_ test: Bool) -> EventDataset {
            let picked = isTest.indices.filter { isTest[$0] == test }
            return EventDataset(samples: picked.map { samples[$0] }, labels: picked.map { labels[$0] },
                                speakers: picked.map { speakers[$0] }, classNames: classNames, channelCount: channelCount)
        }
        return (part(false), part(true))
    }
}
