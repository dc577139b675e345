import Foundation
import VectorKernels

/// Raw loops over contiguous buffers, shared by the ops' forward and backward passes.
enum Kernels {
    /// `F.value(a[i], b[i])` for two tensors of equal element count, in parallel chunks.
    static func zip<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, _: F.Type) -> Tensor {
        let out = Tensor(uninitialized: a.shape)
        let pa = a.pointer, pb = b.pointer, dst = out.pointer
        Threads.parallelFor(a.count, grain: 32768) { r in
            for i in r { dst[i] = F.value(pa[i], pb[i]) }
        }
        return out
    }

    /// `a + b` for equal shapes (gradient accumulation).
    static func sum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.shape == b.shape else {
            throw EngineError.shapeMismatch(op: "gradient accumulation", lhs: a.shape, rhs: b.shape, expected: "equal shapes")
        }
        return zip(a, b, Add.self)
    }

    /// `a += b` for equal element counts.
    static func addInPlace(_ a: Tensor, _ b: Tensor) {
        let pa = a.pointer, pb = b.pointer
        Threads.parallelFor(a.count, grain: 32768) { r in
            for i in r { pa[i] += pb[i] }
        }
    }
}

// MARK: - Broadcasting arithmetic

extension Tensor {
    /// Element-wise `F(a, b)` with broadcasting, recorded with its backward.
    private static func binary<F: BinaryFunction>(_ op: String, _ a: Tensor, _ b: Tensor, _: F.Type,
                                                  backward: @escaping (Tensor) -> (Tensor, Tensor)) throws -> Tensor {
        let shape = try Broadcast.resultShape(a.shape, b.shape, op: op)
        let out: Tensor
        if a.shape == b.shape {
            out = Kernels.zip(a, b, F.self)
        } else {
            out = try Tensor(validated: shape, op: op)
            Broadcast(out: shape, a: a.shape, b: b.shape).apply(a.pointer, b.pointer, out.pointer, F.self)
        }
        return try Autodiff.record(op, inputs: [a, b], output: out) { g in
            let (ga, gb) = backward(g)
            // An operand of the output's shape takes its gradient as it is, uncopied: no backward
            // writes into the gradient it is given, and a leaf copies its first one.
            func reduced(_ gradient: Tensor, to shape: [Int]) -> Tensor {
                gradient.shape == shape ? gradient : Kernels.reduce(gradient, to: shape)
            }
            return [a.requiresGrad ? reduced(ga, to: a.shape) : nil, b.requiresGrad ? reduced(gb, to: b.shape) : nil]
        }
    }

    /// The operands of a backward pass read at the output's (broadcast) shape.
    private static func expanded(_ a: Tensor, _ b: Tensor, like g: Tensor) -> (Tensor, Tensor) {
        (a.shape == g.shape ? a : Kernels.expand(a, to: g.shape),
         b.shape == g.shape ? b : Kernels.expand(b, to: g.shape))
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("add", a, b, Add.self) { g in (g, g) }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("subtract", a, b, Subtract.self) { g in (g, Kernels.map(g, Negation.self)) }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("multiply", a, b, Multiply.self) { g in
            let (ea, eb) = expanded(a, b, like: g)
            return (Kernels.zip(g, eb, Multiply.self), Kernels.zip(g, ea, Multiply.self))
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        try binary("divide", a, b, Divide.self) { g in
            let (ea, eb) = expanded(a, b, like: g)
            return (Kernels.zip(g, eb, Divide.self), Kernels.zip(Kernels.zip(g, ea, Multiply.self), eb, DivisorGradient.self))
        }
    }

    public static func + (a: Tensor, s: Float) throws -> Tensor { try a + Tensor(s) }
    public static func - (a: Tensor, s: Float) throws -> Tensor { try a - Tensor(s) }
    public static func * (a: Tensor, s: Float) throws -> Tensor { try a * Tensor(s) }
    public static func * (s: Float, a: Tensor) throws -> Tensor { try a * Tensor(s) }
    public static func / (a: Tensor, s: Float) throws -> Tensor { try a * Tensor(1 / s) }
}

// MARK: - Pointwise functions

/// A differentiable function of one variable applied element-wise.
public enum Pointwise: String, CaseIterable, Sendable {
    case silu, sigmoid, tanh, relu, exp, log, abs, square, sqrt, negate

    /// y = f(x) over a tensor.
    func forward(_ x: Tensor) -> Tensor {
        switch self {
        case .silu: return VectorLoops.active ? Kernels.siluByVectorKernel(x) : Kernels.map(x, SiLU.self)
        case .sigmoid: return Kernels.map(x, Sigmoid.self)
        case .tanh: return Kernels.map(x, HyperbolicTangent.self)
        case .relu: return Kernels.map(x, ReLU.self)
        case .exp: return Kernels.map(x, Exponential.self)
        case .log: return Kernels.map(x, Logarithm.self)
        case .abs: return Kernels.map(x, AbsoluteValue.self)
        case .square: return Kernels.map(x, Square.self)
        case .sqrt: return Kernels.map(x, SquareRoot.self)
        case .negate: return Kernels.map(x, Negation.self)
        }
    }

    /// dL/dx = dL/dy · f′(x), given x, y = f(x) and dL/dy.
    func backward(_ x: Tensor, _ y: Tensor, _ g: Tensor) -> Tensor {
        switch self {
        case .silu: return VectorLoops.active ? Kernels.siluGradientByVectorKernel(x, g) : Kernels.gradient(x, y, g, SiLU.self)
        case .sigmoid: return Kernels.gradient(x, y, g, Sigmoid.self)
        case .tanh: return Kernels.gradient(x, y, g, HyperbolicTangent.self)
        case .relu: return Kernels.gradient(x, y, g, ReLU.self)
        case .exp: return Kernels.gradient(x, y, g, Exponential.self)
        case .log: return Kernels.gradient(x, y, g, Logarithm.self)
        case .abs: return Kernels.gradient(x, y, g, AbsoluteValue.self)
        case .square: return Kernels.gradient(x, y, g, Square.self)
        case .sqrt: return Kernels.gradient(x, y, g, SquareRoot.self)
        case .negate: return Kernels.gradient(x, y, g, Negation.self)
        }
    }
}

/// One pointwise function, its value and its derivative side by side, as static functions.
///
/// The loops that apply one are generic over it, so each loop is compiled for its function and
/// vectorised on every thread. (A function passed as a closure into a loop that Dispatch runs on
/// another thread was called there per element, opaque and unvectorised: SiLU on two threads
/// ran 2.4× slower than on one.)
protocol PointwiseFunction {
    static func value(_ x: Float) -> Float
    /// dL/dx from x, y = f(x) and dL/dy = g.
    static func derivative(x: Float, y: Float, g: Float) -> Float
}

/// x·σ(x), with σ by `fastExp` (so the loop vectorises).
/// (Where the CPU has AVX-512, its loops run in `VectorKernels`: see `VectorLoops`.)
enum SiLU: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { x / (1 + fastExp(-x)) }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float {
        let s = 1 / (1 + fastExp(-x))
        return g * s * (1 + x * (1 - s))
    }
}

/// Whether SiLU's loops (alone and after group norm) and group norm's sums run in the
/// `VectorKernels` target: the same operations sixteen lanes at a time (eight in double), where
/// this module, compiled for the x86-64 baseline, has four (SiLU: 0.4 against 1.3 ns an element).
/// Their results are the Swift loops', bit for bit (a test runs both).
enum VectorLoops {
    /// Whether this CPU has the vector kernels (AVX-512F and VL).
    static let available = likewise_vector_kernels_available() != 0
    /// Off in a scope, the Swift loops run (tests compare the two).
    @TaskLocal static var allowed = true
    /// Whether the vector kernels run now: read on the calling thread, before a parallel loop
    /// (a task-local is not seen on the pool's threads).
    static var active: Bool { available && allowed }
}

/// 1 / (1 + e⁻ˣ), by `fastExp`.
enum Sigmoid: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { g * y * (1 - y) }
}

enum HyperbolicTangent: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { g * (1 - y * y) }
}

enum ReLU: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { Swift.max(x, 0) }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { x > 0 ? g : 0 }
}

/// eˣ by libm: unclamped, so that overflow is infinity (and `checkingNumerics` reports it).
enum Exponential: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { y * g }
}

enum Logarithm: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { g / x }
}

enum AbsoluteValue: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { Swift.abs(x) }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
}

enum Square: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { x * x }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { 2 * x * g }
}

enum SquareRoot: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { g / (2 * y) }
}

enum Negation: PointwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { -x }
    @inline(__always) static func derivative(x: Float, y: Float, g: Float) -> Float { -g }
}

/// A function of two floats, as a static function, for the same reason as `PointwiseFunction`.
protocol BinaryFunction {
    static func value(_ a: Float, _ b: Float) -> Float
}

enum Add: BinaryFunction { @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a + b } }
enum Subtract: BinaryFunction { @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a - b } }
enum Multiply: BinaryFunction { @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a * b } }
enum Divide: BinaryFunction { @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a / b } }
/// The first operand (a copy, when broadcasting one tensor to a shape).
enum First: BinaryFunction { @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a } }
/// d(a/b)/db from g·a and b: −g·a / b².
enum DivisorGradient: BinaryFunction { @inline(__always) static func value(_ ga: Float, _ b: Float) -> Float { -ga / (b * b) } }

extension Kernels {
    /// `F.value` of each element, in parallel chunks.
    static func map<F: PointwiseFunction>(_ x: Tensor, _: F.Type) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let src = x.pointer, dst = out.pointer
        Threads.parallelFor(x.count, grain: 32768) { r in
            for i in r { dst[i] = F.value(src[i]) }
        }
        return out
    }

    /// SiLU of each element by the vector kernel, in parallel chunks.
    static func siluByVectorKernel(_ x: Tensor) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let src = x.pointer, dst = out.pointer
        Threads.parallelFor(x.count, grain: 32768) { r in likewise_silu(src + r.lowerBound, dst + r.lowerBound, r.count) }
        return out
    }

    /// SiLU's gradient of each element by the vector kernel, from x and dL/dy, in parallel chunks.
    static func siluGradientByVectorKernel(_ x: Tensor, _ g: Tensor) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let px = x.pointer, pg = g.pointer, dst = out.pointer
        Threads.parallelFor(x.count, grain: 32768) { r in
            likewise_silu_gradient(px + r.lowerBound, pg + r.lowerBound, dst + r.lowerBound, r.count)
        }
        return out
    }

    /// `F.derivative` of each element, from x, y = F(x) and dL/dy, in parallel chunks.
    static func gradient<F: PointwiseFunction>(_ x: Tensor, _ y: Tensor, _ g: Tensor, _: F.Type) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let px = x.pointer, py = y.pointer, pg = g.pointer, dst = out.pointer
        Threads.parallelFor(x.count, grain: 32768) { r in
            for i in r { dst[i] = F.derivative(x: px[i], y: py[i], g: pg[i]) }
        }
        return out
    }
}

extension Tensor {
    /// `f` applied to every element.
    public func applying(_ f: Pointwise) throws -> Tensor {
        let y = f.forward(self)
        // The closure reads y's values through a view: capturing y itself would make y → origin →
        // closure → y a cycle, and a graph never differentiated would never be freed.
        let values = Tensor(shape: y.shape, storage: y.storage, offset: y.offset)
        return try Autodiff.record(f.rawValue, inputs: [self], output: y) { [self] g in
            [f.backward(self, values, g)]
        }
    }

    /// x·σ(x), the activation of diffusion U-Nets.
    public func silu() throws -> Tensor { try applying(.silu) }
    /// 1 / (1 + e⁻ˣ).
    public func sigmoid() throws -> Tensor { try applying(.sigmoid) }
    /// The hyperbolic tangent.
    public func tanh() throws -> Tensor { try applying(.tanh) }
    /// max(x, 0).
    public func relu() throws -> Tensor { try applying(.relu) }
    /// eˣ.
    public func exp() throws -> Tensor { try applying(.exp) }
    /// The natural logarithm.
    public func log() throws -> Tensor { try applying(.log) }
    /// |x|.
    public func abs() throws -> Tensor { try applying(.abs) }
    /// x².
    public func squared() throws -> Tensor { try applying(.square) }
    /// √x.
    public func sqrt() throws -> Tensor { try applying(.sqrt) }
    /// −x.
    public static prefix func - (x: Tensor) throws -> Tensor { try x.applying(.negate) }
}
