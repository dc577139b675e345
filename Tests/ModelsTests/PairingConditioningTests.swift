import Engine
@testable import Models
import Testing
import TestSupport

/// Each pairing's conditioning of the head, on small tensors whose values say where they came
/// from: the input's channels in the documented order, centred, and where the head's prediction
/// starts.
@Suite(.hangLimit)
struct PairingConditioningTests {
    /// A `[1, 2, 2, 3]` image of one value.
    static func image(_ value: Float) throws -> Tensor { try Tensor(shape: [1, 2, 2, 3], scalars: Array(repeating: value, count: 12)) }

    let x: Tensor, source: Tensor, target: Tensor, reference: CarriedBatch

    init() throws {
        (x, source, target) = (try Self.image(0.5), try Self.image(0.25), try Self.image(0.75))
        reference = CarriedBatch(source: source, target: target, channels: nil)
    }

    /// The value of each of the input's channels at its first pixel.
    static func channels(_ input: Tensor) -> [Float] { Array(input.scalars.prefix(input.shape[3])) }

    /// `values` centred as the head reads them (2v − 1), three channels each.
    static func centred(_ values: [Float]) -> [Float] { values.flatMap { Array(repeating: 2 * $0 - 1, count: 3) } }

    @Test func theDirectPairingsReadXAloneAndOnlyOne2oneAddsToIt() throws {
        for pairing in [Pairing.pix2pix, .one2one] {
            let conditioning = pairing.conditioning()
            #expect(!conditioning.carriesReferences && conditioning.inputChannels == 3)
            let (input, start) = try conditioning.headInput(x: x, reference: nil)
            #expect(Self.channels(input) == Self.centred([0.5]) && conditioning.outputChannels == 3)
            #expect(start.base?.scalars == (pairing == .one2one ? x.scalars : nil))
        }
    }

    @Test(arguments: [Pairing.structural, .implicit])
    func theNtoNPairingsReadXWithTheCarriedReferenceInTheirOrder(_ pairing: Pairing) throws {
        let conditioning = pairing.conditioning()
        let (input, base) = try conditioning.headInput(x: x, reference: reference)
        #expect(conditioning.carriesReferences && input.shape[3] == conditioning.inputChannels && conditioning.outputChannels == 3)
        // structural reads x, the carried edit x + y_i − x_i = 1.0, then the carried pair, and starts from the carried edit.
        let expected: [Float] = pairing == .structural ? [0.5, 1.0, 0.25, 0.75] : [0.5, 0.25, 0.75]
        #expect(Self.channels(input) == Self.centred(expected))
        #expect(base.base?.scalars == Array(repeating: expected[pairing == .structural ? 1 : 0], count: 12))
        // Without x_j, the carried target alone, and the output starts from it.
        let noSource = pairing.conditioning(ablation: .noSource)
        let (alone, start) = try noSource.headInput(x: x, reference: reference)
        #expect(noSource.inputChannels == 3 && Self.channels(alone) == Self.centred([0.75]))
        #expect(start.base?.scalars == target.scalars)
    }

    @Test func combinedReadsWhatStructuralReadsAndTrustsTheCarriedEditPerPixel() throws {
        let conditioning = Pairing.combined.conditioning()
        let (input, start) = try conditioning.headInput(x: x, reference: reference)
        #expect(conditioning.carriesReferences && conditioning.inputChannels == 12 && conditioning.outputChannels == 4)
        #expect(Self.channels(input) == Self.centred([0.5, 1.0, 0.25, 0.75]))
        guard case let .trusting(direct, carried) = start else { Issue.record("combined starts from \(start)"); return }
        #expect(direct.scalars == x.scalars && carried.scalars == Array(repeating: 1.0, count: 12))
        // An output of zeros (the head untrained) starts halfway; a trust logit of ±20 takes one
        // path alone; the correction is added to either. Pixel by pixel: logit 0, +20, −20, 0
        // with a correction of 0.1 on the last.
        let logits: [Float] = [0, 20, -20, 0], corrections: [Float] = [0, 0, 0, 0.1]
        let output = try Tensor(shape: [1, 2, 2, 4], scalars: (0..<4).flatMap { Array(repeating: corrections[$0], count: 3) + [logits[$0]] })
        let prediction = try start.prediction(from: output).scalars
        let expected: [Float] = [0.75, 1.0, 0.5, 0.85]
        for p in 0..<4 { for c in 0..<3 { #expect(abs(prediction[3 * p + c] - expected[p]) < 1e-6, "pixel \(p): \(prediction[3 * p + c])") } }
    }

    @Test func theTrustingPredictionsGradientsMatchFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 5)
        let inputs = try [[1, 3, 2, 3], [1, 3, 2, 3], [1, 3, 2, 4]].map { try Tensor(shape: $0, scalars: (0..<$0.reduce(1, *)).map { _ in rng.uniform(-1, 1) }) }
        let mismatches = try gradientMismatches(inputs) { t in
            try PredictionStart.trusting(direct: t[0], carried: t[1]).prediction(from: t[2])
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func combinedHasNoXToFallBackToWithoutXj() throws {
        #expect(throws: EngineError.self) { try EditorDesign(pairing: .combined, ablation: .noSource) }
        _ = try EditorDesign(pairing: .combined, ablation: .noTransformation)
    }

    @Test func transformChannelsFollowTheImagesAsTheyAre() throws {
        let channels = try Tensor(shape: [1, 2, 2, Transformation.channelCount], scalars: (0..<(4 * Transformation.channelCount)).map { Float($0) / 100 })
        let reference = CarriedBatch(source: source, target: target, channels: channels)
        let conditioning = Pairing.implicit.conditioning(transformChannels: true)
        let (input, _) = try conditioning.headInput(x: x, reference: reference)
        #expect(input.shape[3] == conditioning.inputChannels && conditioning.inputChannels == 9 + Transformation.channelCount)
        #expect(Array(Self.channels(input).dropFirst(9)) == Array(channels.scalars.prefix(Transformation.channelCount)))
    }

    @Test func anNtoNHeadRefusesAMissingReferenceOrTheWrongChannels() throws {
        for pairing in [Pairing.structural, .implicit, .combined] {
            #expect(throws: EngineError.self) { try pairing.conditioning().headInput(x: x, reference: nil) }
            #expect(throws: EngineError.self) {
                try pairing.conditioning(transformChannels: true).headInput(x: x, reference: reference)
            }
        }
    }
}

extension PredictionStart {
    /// What a correcting start adds the head's output to (nil for pix2pix's and combined's).
    var base: Tensor? {
        guard case let .from(base) = self else { return nil }
        return base
    }
}
