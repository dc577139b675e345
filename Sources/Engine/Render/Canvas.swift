import Foundation

/// An image being drawn on: rectangles, anti-aliased lines and discs, text in the built-in
/// bitmap font, and other images pasted at integer scale (crisp pixels, which is what a teacher
/// wants when showing a 64×64 picture).
public struct Canvas {
    public private(set) var image: Image

    public init(width: Int, height: Int, background: RGB = .white) throws {
        image = try Image(width: width, height: height, colour: background)
    }

    public var width: Int { image.width }
    public var height: Int { image.height }

    /// Mixes `colour` into pixel (x, y) with weight `alpha`; pixels outside are ignored.
    @inline(__always)
    mutating func blend(_ x: Int, _ y: Int, _ colour: RGB, _ alpha: Float = 1) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        image[x, y] = image[x, y].mixed(with: colour, min(alpha, 1))
    }

    /// The indices of `low...high` that lie in `0..<limit` (empty when none do). Coordinates
    /// arrive as Floats from user data; NaN and huge values must not reach `Int(_:)`, which traps.
    static func span(_ low: Float, _ high: Float, within limit: Int) -> Range<Int> {
        guard low.isFinite, high.isFinite else { return 0..<0 }
        let lo = Int(min(max(low.rounded(.down), 0), Float(limit)))
        let hi = Int(min(max(high.rounded(.up) + 1, 0), Float(limit)))
        return lo..<max(hi, lo)
    }

    /// A coordinate as a whole pixel, with NaN and far-off values pinned to where `Int(_:)` is safe.
    static func pixel(_ v: Float) -> Int { v.isNaN ? 0 : Int(min(max(v, -1e6), 1e6)) }

    /// Fills the rectangle with top-left (x, y).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ colour: RGB) {
        for yy in max(y, 0)..<max(min(y + h, height), max(y, 0)) {
            for xx in max(x, 0)..<max(min(x + w, width), max(x, 0)) { image[xx, yy] = colour }
        }
    }

    /// A straight line of `thickness` pixels with round ends, anti-aliased.
    public mutating func line(from a: SIMD2<Float>, to b: SIMD2<Float>, _ colour: RGB, thickness: Float = 1) {
        let r = thickness / 2
        for y in Canvas.span(min(a.y, b.y) - r - 1, max(a.y, b.y) + r + 1, within: height) {
            for x in Canvas.span(min(a.x, b.x) - r - 1, max(a.x, b.x) + r + 1, within: width) {
                let d = Shape.segment(SIMD2(Float(x) + 0.5, Float(y) + 0.5), a, b, radius: r)
                blend(x, y, colour, Shape.coverage(d, pixel: 1))
            }
        }
    }

    /// An arrow from `a` to `b` with a head of `head` pixels.
    public mutating func arrow(from a: SIMD2<Float>, to b: SIMD2<Float>, _ colour: RGB, thickness: Float = 1, head: Float = 4) {
        line(from: a, to: b, colour, thickness: thickness)
        let d = b - a
        let length = (d * d).sum().squareRoot()
        guard length > 0.5 else { return }
        let u = d / length, n = SIMD2(-u.y, u.x)
        let size = min(head, length * 0.6)
        line(from: b, to: b - u * size + n * size * 0.6, colour, thickness: thickness)
        line(from: b, to: b - u * size - n * size * 0.6, colour, thickness: thickness)
    }

    /// A filled disc, anti-aliased.
    public mutating func disc(centre c: SIMD2<Float>, radius: Float, _ colour: RGB) {
        for y in Canvas.span(c.y - radius - 1, c.y + radius + 1, within: height) {
            for x in Canvas.span(c.x - radius - 1, c.x + radius + 1, within: width) {
                let p = SIMD2(Float(x) + 0.5, Float(y) + 0.5) - c
                blend(x, y, colour, Shape.coverage((p * p).sum().squareRoot() - radius, pixel: 1))
            }
        }
    }

    /// The width in pixels of `text` at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int {
        max(text.count * BitmapFont.advance - 1, 0) * scale
    }

    /// Line height in pixels at `scale`.
    public static func lineHeight(scale: Int = 1) -> Int { BitmapFont.lineHeight * scale }

    /// Writes `text` with its top-left corner at (x, y).
    public mutating func text(_ text: String, x: Int, y: Int, _ colour: RGB = .black, scale: Int = 1) {
        var cx = x
        for character in text {
            for (row, bits) in BitmapFont.rows(character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    fill(x: cx + column * scale, y: y + row * scale, width: scale, height: scale, colour)
                }
            }
            cx += BitmapFont.advance * scale
        }
    }

    /// Writes `text` turned a quarter to the left, read from bottom to top, centred vertically on
    /// `centreY`, its glyphs' tops at column x: an axis label that runs along a vertical axis.
    public mutating func text(_ text: String, x: Int, upwardCentredOn centreY: Int, _ colour: RGB = .black, scale: Int = 1) {
        var along = centreY + Canvas.textWidth(text, scale: scale) / 2
        for character in text {
            for (row, bits) in BitmapFont.rows(character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    fill(x: x + row * scale, y: along - (column + 1) * scale, width: scale, height: scale, colour)
                }
            }
            along -= BitmapFont.advance * scale
        }
    }

    /// Writes `text` centred horizontally on `centreX`.
    public mutating func text(_ text: String, centreX: Int, y: Int, _ colour: RGB = .black, scale: Int = 1) {
        self.text(text, x: centreX - Canvas.textWidth(text, scale: scale) / 2, y: y, colour, scale: scale)
    }

    /// Pastes `picture` with its top-left at (x, y), each pixel drawn as a `scale × scale` block.
    public mutating func paste(_ picture: Image, x: Int, y: Int, scale: Int = 1) {
        for py in 0..<(picture.height * scale) where y + py >= 0 && y + py < height {
            for px in 0..<(picture.width * scale) where x + px >= 0 && x + px < width {
                image[x + px, y + py] = picture[px / scale, py / scale]
            }
        }
    }
}
