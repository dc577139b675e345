/// Solves A·X = B for an n×n A and n×`columns` B (row-major) by Gaussian elimination with partial
/// pivoting; nil when A is singular.
func solveLinear(_ a: [Double], _ b: [Double], n: Int, columns: Int) -> [Double]? {
    var a = a, b = b
    for col in 0..<n {
        let pivot = (col..<n).max { abs(a[$0 * n + col]) < abs(a[$1 * n + col]) } ?? col
        guard abs(a[pivot * n + col]) > 1e-12 else { return nil }
        if pivot != col {
            for k in 0..<n { a.swapAt(col * n + k, pivot * n + k) }
            for k in 0..<columns { b.swapAt(col * columns + k, pivot * columns + k) }
        }
        for row in (col + 1)..<n {
            let factor = a[row * n + col] / a[col * n + col]
            for k in col..<n { a[row * n + k] -= factor * a[col * n + k] }
            for k in 0..<columns { b[row * columns + k] -= factor * b[col * columns + k] }
        }
    }
    var x = [Double](repeating: 0, count: n * columns)
    for row in (0..<n).reversed() {
        for k in 0..<columns {
            var total = b[row * columns + k]
            for j in (row + 1)..<n { total -= a[row * n + j] * x[j * columns + k] }
            x[row * columns + k] = total / a[row * n + row]
        }
    }
    return x
}
