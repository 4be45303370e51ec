/// The per-value rules of the SHD layout, shared by the reader (on what it finds in a file)
/// and the writer (on what it is asked to write), so a file this module writes is always one
/// it reads back. Every failure names the file, the field and the sample.
struct SampleChecks {
    /// The file the values come from or go to, for messages.
    let file: String
    /// Units must lie in 0..<channelCount.
    let channelCount: Int

    /// A spike time must be a finite, non-negative number of seconds.
    func checkTime(_ time: Float, sample: Int) throws(SpikeFileError) {
        guard time.isFinite, time >= 0 else {
            let problem = time.isNaN ? "is NaN" : time.isInfinite ? "is infinite" : "is negative"
            throw SpikeFileError(.invalidTime, file: file, field: SHDLayout.times, sample: sample,
                                 message: "spike time \(time) s \(problem)")
        }
    }

    /// A unit must be a channel index in 0..<channelCount; returns it as stored in memory.
    func checkedUnit(_ unit: Int, sample: Int) throws(SpikeFileError) -> UInt16 {
        guard (0..<channelCount).contains(unit) else {
            throw SpikeFileError(.unitOutOfRange, file: file, field: SHDLayout.units, sample: sample,
                                 message: "unit \(unit) is outside the channels 0..<\(channelCount)")
        }
        return UInt16(unit)
    }

    /// A label must be a class index in 0..<classCount.
    func checkLabel(_ label: Int, sample: Int, classCount: Int) throws(SpikeFileError) {
        guard (0..<classCount).contains(label) else {
            throw SpikeFileError(.labelOutOfRange, file: file, field: SHDLayout.labels, sample: sample,
                                 message: "label \(label) is outside the classes 0..<\(classCount)")
        }
    }
}
