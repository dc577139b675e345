import Dispatch
import Foundation

/// A similarity transform from a task's canonical drawing coordinates to image coordinates, both
/// spanning [−1, 1] across the image (y downwards): scale, then rotation, then offset.
public struct Pose: Sendable, Equatable {
    public var scale: Float
    public var rotation: Float
    public var offset: SIMD2<Float>

    public init(scale: Float, rotation: Float, offset: SIMD2<Float>) {
        (self.scale, self.rotation, self.offset) = (scale, rotation, offset)
    }

    /// Image coordinates of canonical point `q`.
    public func apply(_ q: SIMD2<Float>) -> SIMD2<Float> {
        let (s, c) = (sin(rotation), cos(rotation))
        return offset + scale * SIMD2(c * q.x - s * q.y, s * q.x + c * q.y)
    }

    /// Canonical coordinates of image point `u`.
    public func inverse(_ u: SIMD2<Float>) -> SIMD2<Float> {
        let (s, c) = (sin(rotation), cos(rotation))
        let d = (u - offset) / scale
        return SIMD2(c * d.x + s * d.y, -s * d.x + c * d.y)
    }
}

/// What a task draws: an instance's appearance in canonical coordinates, before or after the edit.
protocol TaskDrawing {
    var pose: Pose { get }
    /// The colour at canonical point `q` (image point `u`), with `pixel` the size of a pixel in
    /// canonical units, for anti-aliasing.
    func colour(at q: Point, image u: Point, pixel: Float, edited: Bool) -> RGB
    /// How much of canonical point `q` belongs to the moving subject (1) rather than the background (0).
    func subject(at q: Point) -> Float
}

/// The built-in few-shot tasks: each an endless, seeded supply of pairs, with ground truth.
///
/// Every instance is drawn from its own generator state (task, seed, index), so pair 7 of a seed
/// is the same whether 8 or 8,000 are asked for, and a different seed gives held-out pairs. Each
/// instance has a pose (scale, rotation, position) and its own appearance (shape, colours,
/// lighting, background), so sources differ spatially and the flow between two of them matters;
/// `displacement(from:to:size:)` gives that flow exactly, from the poses.
public struct SyntheticTask: Sendable {
    /// The tasks, after the paper's: four face edits, a scene edit and a glyph style.
    public enum Kind: String, CaseIterable, Sendable {
        case blueEyes = "blue_eyes", bigSmile = "big_smile", old, sleepy
        case dayToNight = "day_to_night", ancientFont = "ancient_font"

        /// One line on what the effect does, for help and captions.
        public var summary: String {
            switch self {
            case .blueEyes: return "faces: the irises turn blue (local colour change)"
            case .bigSmile: return "faces: a wide, open smile (local shape change)"
            case .old: return "faces: wrinkles and grey hair (texture)"
            case .sleepy: return "faces: the eyes close"
            case .dayToNight: return "scenes: day becomes night, windows and lamps light up (global colour, local lights)"
            case .ancientFont: return "glyphs: plain strokes become brush strokes with serifs on parchment (style)"
            }
        }
    }

    public let kind: Kind
    public static let sizes = 32...1024

    public init(_ kind: Kind) { self.kind = kind }

    /// The task called `name`, or an error that lists the known ones.
    public init(named name: String) throws {
        guard let kind = Kind(rawValue: name) else {
            throw TaskError.unknownTask(name, known: Kind.allCases.map(\.rawValue))
        }
        self.kind = kind
    }

    private static func check(_ size: Int) throws {
        guard sizes.contains(size) else { throw TaskError.invalidSize(size, allowed: sizes) }
    }

    /// The centre of pixel (x, y) of a `size`-pixel image, in image coordinates ([−1, 1]).
    private static func centre(_ x: Int, _ y: Int, size: Int) -> Point {
        let half = Float(size) / 2
        return Point((Float(x) + 0.5) / half - 1, (Float(y) + 0.5) / half - 1)
    }

    private func drawing(index: Int, seed: UInt64) -> any TaskDrawing {
        var rng = RandomGenerator(seed: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9 ^ UInt64(Kind.allCases.firstIndex(of: kind) ?? 0) << 56)
        switch kind {
        case .blueEyes: return FaceDrawing(edit: .blueEyes, using: &rng)
        case .bigSmile: return FaceDrawing(edit: .bigSmile, using: &rng)
        case .old: return FaceDrawing(edit: .old, using: &rng)
        case .sleepy: return FaceDrawing(edit: .sleepy, using: &rng)
        case .dayToNight: return SceneDrawing(using: &rng)
        case .ancientFont: return GlyphDrawing(using: &rng)
        }
    }

    /// Pair `index` of `seed` at `size`×`size`.
    public func pair(index: Int, size: Int, seed: UInt64) throws -> Pair {
        try SyntheticTask.check(size)
        guard index >= 0 else { throw TaskError.invalidIndex(index) }
        let d = drawing(index: index, seed: seed)
        return Pair(name: "\(kind.rawValue)_\(index)", source: try render(d, size: size, edited: false),
                    target: try render(d, size: size, edited: true))
    }

    /// Where pair `index` of `seed` places its subject.
    public func pose(index: Int, seed: UInt64) -> Pose { drawing(index: index, seed: seed).pose }

    /// `count` pairs (indices 0..<count) of `seed`, drawn in parallel.
    public func pairs(count: Int, size: Int, seed: UInt64) throws -> [Pair] {
        guard (1...100_000).contains(count) else { throw TaskError.invalidCount(count) }
        return try pairs(0..<count, size: size, seed: seed)
    }

    /// Pairs `indices` of `seed`, drawn in parallel: the same pairs however the indices are chunked.
    public func pairs(_ indices: Range<Int>, size: Int, seed: UInt64) throws -> [Pair] {
        guard indices.lowerBound >= 0 else { throw TaskError.invalidIndex(indices.lowerBound) }
        guard indices.count <= 100_000 else { throw TaskError.invalidCount(indices.count) }
        try SyntheticTask.check(size)
        let count = indices.count
        guard count > 0 else { return [] }
        let results = UnsafeMutableBufferPointer<Result<Pair, Error>?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let slots = results
        let task = self
        let workers = min(Threads.count, count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for k in Swift.stride(from: worker, to: count, by: workers) {
                slots[k] = Result { try task.pair(index: indices.lowerBound + k, size: size, seed: seed) }
            }
        }
        // A pair that cannot be drawn is an error, not a shorter list.
        return try results.map { try $0!.get() }
    }

    /// 1 where pixel (x, y) of source `index` shows the subject (what moves with the pose), else 0.
    public func subjectMask(index: Int, seed: UInt64, size: Int) throws -> [Float] {
        try SyntheticTask.check(size)
        let d = drawing(index: index, seed: seed)
        return (0..<(size * size)).map { i in d.subject(at: d.pose.inverse(SyntheticTask.centre(i % size, i / size, size: size))) }
    }

    /// The true displacement, in pixels, of every pixel of source `from` to where the same point
    /// of its subject lies in source `to` (both of `seed`); valid where the pixel shows the
    /// subject and its destination is inside the image. Warping source `to` by it
    /// (`Tensor.warp`) aligns it with source `from`.
    public func displacement(from: Int, to: Int, seed: UInt64, size: Int) throws -> Displacement {
        try SyntheticTask.check(size)
        let first = drawing(index: from, seed: seed), second = drawing(index: to, seed: seed)
        var result = Displacement(width: size, height: size)
        let half = Float(size) / 2
        for y in 0..<size {
            for x in 0..<size {
                let u = SyntheticTask.centre(x, y, size: size)
                let q = first.pose.inverse(u)
                let v = second.pose.apply(q)
                let i = y * size + x
                result.dx[i] = (v.x - u.x) * half
                result.dy[i] = (v.y - u.y) * half
                result.valid[i] = first.subject(at: q) > 0.5 && second.subject(at: q) > 0.5 && abs(v.x) < 1 && abs(v.y) < 1
            }
        }
        return result
    }

    private func render(_ d: any TaskDrawing, size: Int, edited: Bool) throws -> Image {
        var pixels = [Float](repeating: 0, count: size * size * 3)
        let half = Float(size) / 2
        let pixel = 1 / (half * d.pose.scale)
        for y in 0..<size {
            for x in 0..<size {
                let u = SyntheticTask.centre(x, y, size: size)
                let c = d.colour(at: d.pose.inverse(u), image: u, pixel: pixel, edited: edited)
                let i = 3 * (y * size + x)
                pixels[i] = min(max(c.r, 0), 1); pixels[i + 1] = min(max(c.g, 0), 1); pixels[i + 2] = min(max(c.b, 0), 1)
            }
        }
        return try Image(width: size, height: size, pixels: pixels)
    }
}

/// Requests a task cannot satisfy.
public enum TaskError: Error, CustomStringConvertible, Equatable {
    case unknownTask(String, known: [String])
    case invalidSize(Int, allowed: ClosedRange<Int>)
    case invalidCount(Int)
    case invalidIndex(Int)

    public var description: String {
        switch self {
        case let .unknownTask(name, known): return "unknown task '\(name)'; the built-in tasks are \(known.joined(separator: ", "))"
        case let .invalidSize(size, allowed): return "size \(size) is outside \(allowed.lowerBound)…\(allowed.upperBound) pixels"
        case let .invalidCount(count): return "count \(count) is outside 1…100000"
        case let .invalidIndex(index): return "pair index \(index) is negative"
        }
    }
}

extension RandomGenerator {
    /// One of `choices`, uniformly.
    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(next() % UInt64(choices.count))] }
}
