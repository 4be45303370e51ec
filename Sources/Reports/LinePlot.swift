import Foundation

/// A line chart written as a standalone SVG file: several named series of (x, y) points,
/// linear or logarithmic axes with ticks, axis labels, a title and a legend. Enough for
/// learning curves and scaling plots, with no dependency.
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Dashed lines mark predictions beside measurements.
        public var dashed: Bool
        /// An SVG colour ("#1f77b4"); nil takes the next palette colour by series index.
        /// Give a prediction the colour of its measurement to pair them.
        public var color: String?
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, color: String? = nil) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var logX = false
    public var logY = false
    /// Include y = 0 in the range (for memory and throughput, whose zero is meaningful).
    public var includeZero = false
    /// Explicit x tick positions (data coordinates), e.g. the rank counts; nil: automatic.
    public var xTicks: [Double]?

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Palette colour `index` (cycling).
    public static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// The SVG document. The height grows when the legend needs more room.
    public func svg(width: Double = 640, height: Double = 420) -> String {
        let left = 78.0, right = legendWidth, top = 36.0, bottom = 52.0
        let height = max(height, top + bottom + 16 + Double(series.count) * 18)
        let width = width + max(0, right - 170)
        let plotW = width - left - right, plotH = height - top - bottom
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }
        let tx: (Double) -> Double = { logX ? log10($0) : $0 }
        let ty: (Double) -> Double = { logY ? log10($0) : $0 }
        var (x0, x1) = (all.map { tx($0.x) }.min() ?? 0, all.map { tx($0.x) }.max() ?? 1)
        var (y0, y1) = (all.map { ty($0.y) }.min() ?? 0, all.map { ty($0.y) }.max() ?? 1)
        if includeZero && !logY { y0 = min(y0, 0); y1 = max(y1, 0) }
        if x0 == x1 { x0 -= 0.5; x1 += 0.5 }
        if y0 == y1 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.05
        y0 -= includeZero && !logY && y0 == 0 ? 0 : pad
        y1 += pad
        let px: (Double) -> Double = { left + (tx($0) - x0) / (x1 - x0) * plotW }
        let py: (Double) -> Double = { top + plotH - (ty($0) - y0) / (y1 - y0) * plotH }

        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left + plotW / 2)" y="20" text-anchor="middle" font-size="14" font-weight="bold">\(escape(title))</text>
        <rect x="\(left)" y="\(top)" width="\(plotW)" height="\(plotH)" fill="none" stroke="#444"/>

        """
        let xTickPositions = xTicks.map { $0.filter { $0.isFinite && (!logX || $0 > 0) }.map { (tx($0), label($0)) }.filter { $0.0 >= x0 && $0.0 <= x1 } }
        for (value, label) in xTickPositions ?? ticks(x0, x1, log: logX) {
            let x = left + (value - x0) / (x1 - x0) * plotW
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        for (value, label) in ticks(y0, y1, log: logY) {
            let y = top + plotH - (value - y0) / (y1 - y0) * plotH
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16,\(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let color = s.color ?? Self.color(i)
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }.sorted { $0.x < $1.x }
            let dash = s.dashed ? " stroke-dasharray=\"6,4\"" : ""
            if points.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"" +
                    points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ") + "\"/>\n"
            }
            if !s.dashed {
                for p in points { out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(color)\"/>\n" }
            }
            let ly = top + 8 + Double(i) * 18
            out += "<line x1=\"\(f(left + plotW + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 36))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
            out += "<text x=\"\(f(left + plotW + 42))\" y=\"\(f(ly + 4))\">\(escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Room for the legend: about 6.5 px per character of the longest name, at least 170.
    var legendWidth: Double {
        max(170, 54 + 6.5 * Double(series.map(\.name.count).max() ?? 0))
    }

    /// Writes the SVG to `path`.
    public func write(to path: String) throws {
        try Data(svg().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// About five round tick positions in transformed coordinates with their labels.
    func ticks(_ lo: Double, _ hi: Double, log: Bool) -> [(Double, String)] {
        if log {
            // Decades; over less than two decades also 2× and 5× each decade.
            let multiples: [Double] = hi - lo < 2 ? [1, 2, 5] : [1]
            var result: [(Double, String)] = []
            for decade in stride(from: lo.rounded(.down), through: hi, by: 1) {
                for m in multiples {
                    let position: Double = decade + log10(m)
                    if position >= lo - 1e-9 && position <= hi + 1e-9 { result.append((position, label(pow(10, position)))) }
                }
            }
            return result
        }
        let raw = (hi - lo) / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        return stride(from: (lo / step).rounded(.up) * step, through: hi, by: step).map { ($0, label($0)) }
    }

    func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e9 { return String(format: "%gG", v / 1e9) }
        if a >= 1e6 { return String(format: "%gM", v / 1e6) }
        if a >= 1e4 { return String(format: "%gk", v / 1e3) }
        return String(format: "%g", (v * 1e6).rounded() / 1e6)
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
