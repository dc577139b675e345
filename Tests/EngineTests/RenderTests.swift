@testable import Engine
import Testing
import TestSupport

@Suite(.hangLimit)
struct RenderTests {
    @Test func aPhotoIsShownShrunkWithItsSizeAndASmallImageEnlarged() throws {
        let photo = try Image(width: 3000, height: 2000, colour: RGB(0.2, 0.5, 0.8))
        let shown = try Figure.displayed(photo)
        // Shrunk to 1024 px on its longer side, plus the figure's margins and the caption's line.
        #expect(shown.width <= Figure.displaySide + 2 * Figure.margin && shown.width > 1000)
        #expect(shown.height < 700 + Canvas.lineHeight() + 2 * Figure.margin && shown.height > 683)
        #expect(shown[shown.width / 2, shown.height / 2] == photo[0, 0])
        let small = try Image(width: 64, height: 48, colour: RGB(1, 0, 0))
        #expect(try (Figure.displayed(small).width, Figure.displayed(small).height) == (128, 96))
        // In a figure, each of several photos fits its column of the 1024 px.
        let grid = try Figure.layout([[Figure.Tile(photo, title: "a"), Figure.Tile(photo, title: "b")]])
        #expect(grid.width < 1100 && grid.width > 1000)
        let pairs = try Figure.pairGrid(SyntheticTask(.old).pairs(count: 3, size: 128, seed: 1))
        #expect(pairs.width > 3 * 128)  // tiles of a task's size are shown whole, as before
    }

    @Test func flowColoursFollowTheStandardWheel() {
        // Full-length motion in the four directions (image y points down).
        let right = FlowColour.colour(dx: 1, dy: 0, maxMagnitude: 1)
        let left = FlowColour.colour(dx: -1, dy: 0, maxMagnitude: 1)
        let down = FlowColour.colour(dx: 0, dy: 1, maxMagnitude: 1)
        let up = FlowColour.colour(dx: 0, dy: -1, maxMagnitude: 1)
        #expect(right.r > 0.95 && right.g < 0.05 && right.b < 0.25, "right is red: \(right)")
        #expect(left.r < 0.05 && left.g > 0.7 && left.b > 0.95, "left is cyan-blue: \(left)")
        #expect(down.r > 0.95 && down.g > 0.8 && down.b < 0.05, "down is yellow: \(down)")
        #expect(up.b > 0.95 && up.g < 0.05 && up.r > 0.2 && up.r < 0.5, "up is violet: \(up)")
        // No motion is white; half-length is the same hue, half saturated.
        #expect(FlowColour.colour(dx: 0, dy: 0, maxMagnitude: 1) == .white)
        let half = FlowColour.colour(dx: 0.5, dy: 0, maxMagnitude: 1)
        #expect(abs(half.r - 1) < 1e-6 && abs(half.g - 0.5) < 0.03)
    }

    @Test func flowFigureShowsTheCodingArrowsAndLegend() throws {
        // Uniform motion to the right: the coded area is red, and arrows (dark) cross it.
        let flow = try Tensor(shape: [1, 8, 8, 2], scalars: (0..<64).flatMap { _ in [Float(2), 0] })
        let figure = try Figure.flowField(flow)
        let scale = 8  // 8 px flow → 256 / 8 = 32, capped at 8
        var red = 0, dark = 0
        for y in 0..<(8 * scale) { for x in 0..<(8 * scale) {
            let c = figure[Figure.margin + x, Figure.margin + Canvas.lineHeight() + y]
            if c.r > 0.9 && c.g < 0.1 { red += 1 }
            if c.r < 0.3 && c.g < 0.3 && c.b < 0.3 { dark += 1 }
        } }
        #expect(red > 40 * 40, "\(red) red pixels")
        #expect(dark > 50, "\(dark) arrow pixels")
        #expect(figure.width > 8 * scale + 100)  // room for the legend
    }

    @Test func textDrawsTheGlyphsInk() throws {
        var canvas = try Canvas(width: 20, height: 10)
        canvas.text("I", x: 0, y: 0, .black)
        // 'I' is a bar with serifs: column 2 is inked on all 7 rows, column 0 only top and bottom.
        for row in 0..<7 { #expect(canvas.image[2, row] == .black) }
        #expect(canvas.image[0, 0] == .white && canvas.image[0, 3] == .white)
        #expect(canvas.image[1, 0] == .black && canvas.image[1, 6] == .black)
        #expect(Canvas.textWidth("abc") == 17)
        // The characters captions use beyond ASCII have glyphs of their own, not the hollow box.
        for character: Character in ["×", "…", "—"] { #expect(BitmapFont.rows(character) != BitmapFont.rows("€"), "\(character)") }
        #expect(BitmapFont.rows("×")[3] == 0b00100 && BitmapFont.rows("×")[1] == 0b10001)
    }

    @Test func descendersReachBelowTheBaselineAndALabelRunsUpTheAxis() throws {
        // g, j, p, q and y ink the two rows under the baseline, on the same x-height as a and n;
        // no other letter does, and the line still holds them.
        for letter: Character in ["g", "j", "p", "q", "y"] {
            let rows = BitmapFont.rows(letter)
            #expect(rows.count == 9 && rows[7] != 0 && rows[8] != 0 && rows[6] != 0, "\(letter)")
        }
        #expect(BitmapFont.rows("g") != BitmapFont.rows("9"))
        for letter in "abcdefhiklmnorstuvwxz0123456789" { #expect(BitmapFont.rows(letter).count == 7, "\(letter)") }
        #expect(BitmapFont.lineHeight >= 9)
        // Upward, 'I' lies on its side: its bar (column 2, all seven rows) runs along a row, read
        // from the bottom; the label is centred on the given y.
        var canvas = try Canvas(width: 20, height: 20)
        canvas.text("I", x: 4, upwardCentredOn: 10, .black)
        for row in 0..<7 { #expect(canvas.image[4 + row, 10 + 2 - 3] == .black) }
        #expect(canvas.image[4 + 3, 10 + 2 - 4] == .white, "between the serifs the bar alone")
        var plot = LinePlot([.init("", points: [(0, 1), (10, 2)])], xLabel: "step", yLabel: "loss")
        plot.width = 200; plot.height = 160
        let image = try plot.render()
        // The y label's ink, in the few columns beside the axis, runs as far down as the word is long.
        let inked = (0..<image.height).filter { y in (0..<12).contains { x in image[x, y].r < 0.6 } }
        let span = (inked.last ?? 0) - (inked.first ?? 0) + 1
        #expect(span >= Canvas.textWidth("loss") - 4 && span <= Canvas.textWidth("loss"), "\(inked)")
    }

    @Test func linePlotsPutPointsWhereTheAxesSay() throws {
        var plot = LinePlot([.init("a", points: [(0, 0), (10, 10)]), .init("b", points: [(0, 10), (10, 0)])], title: "t", xLabel: "x", yLabel: "y")
        plot.width = 300; plot.height = 200
        let image = try plot.render()
        #expect(image.width == 300 && image.height == 200)
        func count(_ colour: RGB) -> Int {
            var n = 0
            for y in 0..<image.height { for x in 0..<image.width where abs(image[x, y].r - colour.r) < 0.05 && abs(image[x, y].g - colour.g) < 0.05 && abs(image[x, y].b - colour.b) < 0.05 { n += 1 } }
            return n
        }
        #expect(count(LinePlot.palette[0]) > 150)  // two diagonals across the plot area
        #expect(count(LinePlot.palette[1]) > 150)
        #expect(LinePlot.ticks(0...10) == [0, 2, 4, 6, 8, 10])
        #expect(LinePlot.decades(-3...0.5) == [-3, -2, -1, 0])
        #expect(LinePlot.label(0.001) == "0.001" && LinePlot.label(25000) == "2e+04" && LinePlot.label(2.5) == "2.5")
    }

    @Test func aLegendCoversNoLineGoingToAFreeCornerOrBesideThePlot() throws {
        // Curves rising to the top right, as held-out scores do over training (the old legend's
        // corner): the legend moves to a free one. Two crossing diagonals leave no corner free: it
        // goes beside the plot.
        let rising = [LinePlot.Series("rising, the longer name", points: [(0, 0), (10, 9)]), .init("also rising", points: [(0, 1), (10, 10)])]
        let crossing = [LinePlot.Series("up, a long name", points: [(0, 0), (10, 10)]), .init("down, a long name", points: [(0, 10), (10, 0)])]
        for series in [rising, crossing] {
            let image = try LinePlot(series, title: "t", xLabel: "x", yLabel: "y").render()
            // The plot area's columns: the longest run of the x axis's colour in any row.
            func isAxis(_ p: RGB) -> Bool { abs(p.r - 0.25) < 0.02 && abs(p.g - 0.25) < 0.02 && abs(p.b - 0.3) < 0.02 }
            var axis = 0..<0
            for y in 0..<image.height {
                var start = 0
                for x in 0...image.width {
                    if x < image.width && isAxis(image[x, y]) { continue }
                    if x - start > axis.count { axis = start..<x }
                    start = x + 1
                }
            }
            #expect(axis.count > 300, "the plot keeps most of the width: \(axis)")
            // A pixel of a line, drawn smooth: the line's colour over white, at least 30 % of it.
            func tinted(_ p: RGB, by c: RGB) -> Bool {
                let d = SIMD3(c.r - 1, c.g - 1, c.b - 1), q = SIMD3(p.r - 1, p.g - 1, p.b - 1)
                let alpha = (q * d).sum() / (d * d).sum(), off = q - alpha * d
                return alpha > 0.3 && (off * off).sum().squareRoot() < 0.1
            }
            // Each line runs across the plot: no more than 3 columns in a row without it (where
            // the other line crosses it on top); a legend over it would hide a name's width.
            for k in series.indices {
                let colour = LinePlot.palette[k]
                let hidden = (axis.lowerBound + 10..<axis.upperBound - 1).filter { x in !(0..<image.height).contains { tinted(image[x, $0], by: colour) } }
                let runs = zip(hidden, hidden.dropFirst()).reduce(into: [1]) { runs, pair in
                    if pair.1 == pair.0 + 1 { runs[runs.count - 1] += 1 } else { runs.append(1) }
                }
                #expect(hidden.isEmpty || runs.max()! <= 3, "\(series[k].name): hidden at x \(hidden)")
            }
        }
    }

    @Test func logPlotsSkipWhatTheyCannotShow() throws {
        let plot = LinePlot([.init("loss", values: [1, 0.1, 0, -1, .nan, 0.01, .infinity])], logY: true)
        #expect(throws: Never.self) { try plot.render() }
        #expect(throws: Never.self) { try LinePlot([.init("empty", values: [])]).render() }
        #expect(throws: Never.self) { try LinePlot([.init("huge", values: [-Double.greatestFiniteMagnitude, .greatestFiniteMagnitude])]).render() }
    }

    @Test func aLongStripWrapsIntoEvenRowsThatAJupyterOutputShowsUnscaled() throws {
        let tile = try Image(width: 64, height: 64, colour: RGB(0.5, 0.5, 0.5))
        let one = try Figure.comparison([Figure.Tile(tile, title: "x")])
        // A trajectory's fourteen tiles: 128 px each on screen, six fit a row, so rows of 5, 5, 4.
        let heading = "DDIM, 100 steps from noise: the head's edit plus each step's estimate of what it missed"
        let long = try Figure.comparison((0..<14).map { Figure.Tile(tile, title: "step \($0)") }, heading: heading)
        #expect(long.width <= Figure.rowWidth)
        #expect(long.width >= 2 * Figure.margin + Canvas.textWidth(heading))
        let rowHeight = one.height - Figure.margin
        #expect((long.height - Figure.margin - Canvas.lineHeight() - Figure.margin / 2) / rowHeight == 3)
        #expect(long.width < 6 * (128 + Figure.margin))
        // Few tiles stay in one row, as before.
        let three = try Figure.strip([tile, tile, tile], captions: ["a", "b", "c"])
        #expect(three.height == one.height && three.width > 3 * 128)
    }

    @Test func pairGridsPlaceSourcesAboveTargets() throws {
        let pairs = try (0..<3).map { i in
            Pair(name: "\(i)", source: try Image(width: 64, height: 64, colour: RGB(1, 0, 0)), target: try Image(width: 64, height: 64, colour: RGB(0, 0, 1)))
        }
        let grid = try Figure.pairGrid(pairs, columns: 2)  // 2 + 1 pairs: two row-pairs
        let cell = 128  // 64 px enlarged twice
        #expect(grid.height > 4 * cell && grid.height < 4 * cell + 100)
        // Find a red and a blue pixel in the first column, red above blue.
        let xs = (0..<grid.width).filter { grid[$0, grid.height / 8 + 20] == RGB(1, 0, 0) }
        let x = try #require(xs.first)
        let firstRed = (0..<grid.height).first { grid[x, $0] == RGB(1, 0, 0) } ?? -1
        let firstBlue = (0..<grid.height).first { grid[x, $0] == RGB(0, 0, 1) } ?? -1
        #expect(firstRed >= 0 && firstBlue > firstRed + cell - 1)
    }

    @Test func swatchesShowTheTransformedColours() throws {
        // A transform that swaps red and blue.
        let image = try Figure.colourTransform([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0])
        let y = Figure.margin + Canvas.lineHeight() + 12
        let before = image[Figure.margin + 12, y], after = image[Figure.margin + 24 + 30 + 12, y]
        #expect(abs(before.r - 0.9) < 1e-6 && abs(after.b - 0.9) < 1e-6 && abs(after.r - 0.2) < 1e-6)
        #expect(throws: ImageError.self) { try Figure.colourTransform([1, 2, 3]) }
    }
}
