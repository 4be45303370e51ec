import Distribution
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Training progress for a person: on a terminal a bar redrawn in place with the rate and the
/// time left; otherwise (logs, CI, pipes) nothing per step, one plain line per epoch.
struct ProgressReporter {
    let totalSteps: Int
    let enabled: Bool
    /// A bar only on a real terminal: under mpirun, ranks write to a pseudo-terminal even when
    /// mpirun's own output goes to a file, so a redrawn bar would fill logs with blank lines.
    let isTerminal = isatty(STDOUT_FILENO) != 0 && !Launch.launcherVariables.contains { getenv($0) != nil }
    let start = Date()
    let firstStep: Int

    init(totalSteps: Int, firstStep: Int, enabled: Bool) {
        self.totalSteps = totalSteps
        self.firstStep = firstStep
        self.enabled = enabled
    }

    /// Redraws the bar after update `step` (1-based) of `totalSteps`.
    func update(step: Int, epoch: Int, epochs: Int, loss: Double) {
        guard enabled, isTerminal else { return }
        let done = Double(step) / Double(max(totalSteps, 1))
        let width = 30
        let filled = Int(done * Double(width))
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(step - firstStep) / max(elapsed, 1e-9)
        let remaining = rate > 0 ? Double(totalSteps - step) / rate : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        print(String(format: "\r%@ %3.0f%%  epoch %d/%d  step %d/%d  loss %.4f  ETA %@ ", bar, 100 * done, epoch + 1, epochs, step,
                     totalSteps, loss, Self.duration(remaining)), terminator: "")
        fflush(nil)  // all output streams: `stdout` itself is not concurrency-safe to name in Swift 6
    }

    /// Prints a line that stays (after clearing the bar on a terminal).
    func line(_ text: String) {
        guard enabled else { return }
        if isTerminal { print("\r\u{1B}[2K", terminator: "") }
        print(text)
        fflush(nil)  // all output streams: `stdout` itself is not concurrency-safe to name in Swift 6
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
