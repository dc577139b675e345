import Engine
@testable import Models
import Testing
import TestSupport

/// How an editor's networks see images of any aspect: squeezed whole, or letterboxed with their
/// aspect kept — in its training pairs and in an edit, which comes back at the image's own size.
@Suite(.hangLimit)
struct WorkingViewTests {
    /// `count` pairs of a task drawn at 64 px and cut to 64×40: wider than tall, as photos are.
    static func widePairs(_ count: Int, seed: UInt64) throws -> [Pair] {
        try SyntheticTask(.old).pairs(count: count, size: 64, seed: seed).map {
            Pair(name: $0.name, source: try $0.source.cropped(x: 0, y: 12, width: 64, height: 40),
                 target: try $0.target.cropped(x: 0, y: 12, width: 64, height: 40))
        }
    }

    @Test(arguments: WorkingView.allCases)
    func theTrainingPairsAreSeenAsTheViewSaysAndAnEditComesBackAtItsSize(_ view: WorkingView) throws {
        let pairs = try WorkingViewTests.widePairs(3, seed: 5)
        let design = try EditorDesign(preset: .tiny, view: view, lift: .detail, pairing: .one2one, flow: .hornSchunck)
        let editor = try Editor(pairs: pairs, design: design, flowEstimator: EditorTests.quickFlow)
        let seen = view == .pad ? try pairs[0].source.letterboxed(to: 32).image : try pairs[0].source.resized(width: 32, height: 32)
        #expect(editor.pairs[0].source == seen)
        // Untrained, the head adds nothing: the edit at the working size is x as seen there, and
        // the detail lift gives x back at its own size — only if the part showing x was lifted.
        let x = try WorkingViewTests.widePairs(1, seed: 9)[0].source.resized(width: 53, height: 31)
        let edited = try editor.edit(x).image
        #expect((edited.width, edited.height) == (53, 31))
        #expect(zip(edited.pixels, x.pixels).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func aPaddedEditorsLiftReadsOnlyThePartOfTheSquareThatShowsTheImage() throws {
        // A structural editor without Mx's transformation starts from x + y_i − x_i: with the
        // pair's edit only in the letterbox's repeated edges, an edit of x must not show it.
        let source = try Image(width: 64, height: 32, colour: RGB(0.5, 0.5, 0.5))
        var target = source
        target.pixels = target.pixels.map { $0 + 0.01 }
        let pairs = [Pair(name: "a", source: source, target: target), Pair(name: "b", source: source, target: target)]
        let design = try EditorDesign(preset: .tiny, view: .pad, lift: .upsample, pairing: .structural, flow: .hornSchunck, ablation: .noTransformation)
        let editor = try Editor(pairs: pairs, design: design, flowEstimator: EditorTests.quickFlow)
        let x = try Image(width: 64, height: 32, colour: RGB(0.2, 0.3, 0.4))
        let edited = try editor.edit(x).image
        #expect((edited.width, edited.height) == (64, 32))
        #expect(zip(edited.pixels, x.pixels).allSatisfy { abs($0 - $1 - 0.01) < 1e-4 })
    }
}
