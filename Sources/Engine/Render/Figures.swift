/// Pictures made of images: pair grids, strips and side-by-side comparisons, each a PNG-ready
/// `Image` with its captions drawn in.
public enum Figure {
    /// One picture in a layout: a title above it, lines of text (metrics) below it.
    public struct Tile {
        public var image: Image
        public var title: String
        public var lines: [String]
        public init(_ image: Image, title: String = "", lines: [String] = []) { (self.image, self.title, self.lines) = (image, title, lines) }
    }

    static let margin = 8
    static let ink = RGB(0.1, 0.1, 0.12)
    static let muted = RGB(0.4, 0.4, 0.45)

    /// Small images are enlarged by whole pixels to about 128 px, so that a 64×64 picture is
    /// visible in a notebook; large ones are shown as they are.
    static func displayScale(_ images: [Image]) -> Int {
        let side = images.map { max($0.width, $0.height) }.max() ?? 128
        return max(1, min(4, 128 / max(side, 1)))
    }

    /// Tiles in rows, every cell the size of the largest tile, with an optional label left of each row.
    /// A tile whose image is larger than a figure of `displaySide` allows for its column (and 256
    /// px at least) is shrunk to fit, its title giving its own size.
    public static func layout(_ rows: [[Tile]], rowLabels: [String] = [], heading: String = "") throws -> Image {
        let budget = max(256, displaySide / max(rows.map(\.count).max() ?? 1, 1))
        let rows = try rows.map { row in
            try row.map { tile in
                guard max(tile.image.width, tile.image.height) > budget else { return tile }
                let size = "\(tile.image.width)×\(tile.image.height)"
                return Tile(try tile.image.shrunk(toFit: budget), title: tile.title.isEmpty ? size : "\(tile.title) (\(size))", lines: tile.lines)
            }
        }
        let all = rows.flatMap { $0 }
        guard !all.isEmpty else { throw ImageError.invalidSize("nothing to draw") }
        let scale = displayScale(all.map(\.image))
        let line = Canvas.lineHeight()
        let titleHeight = all.contains { !$0.title.isEmpty } ? line : 0
        let linesHeight = (all.map(\.lines.count).max() ?? 0) * line
        let cellWidth = max(all.map { $0.image.width * scale }.max() ?? 0,
                            all.flatMap { [$0.title] + $0.lines }.map { Canvas.textWidth($0) }.max() ?? 0)
        let cellHeight = titleHeight + (all.map { $0.image.height * scale }.max() ?? 0) + linesHeight
        let labelWidth = rowLabels.isEmpty ? 0 : (rowLabels.map { Canvas.textWidth($0) }.max() ?? 0) + margin
        let headingHeight = heading.isEmpty ? 0 : line + margin / 2
        let columns = rows.map(\.count).max() ?? 1
        var canvas = try Canvas(width: max(margin + labelWidth + columns * (cellWidth + margin), 2 * margin + Canvas.textWidth(heading)),
                                height: margin + headingHeight + rows.count * (cellHeight + margin))
        if !heading.isEmpty { canvas.text(heading, x: margin, y: margin, ink) }
        for (r, row) in rows.enumerated() {
            let top = margin + headingHeight + r * (cellHeight + margin)
            if r < rowLabels.count {
                canvas.text(rowLabels[r], x: margin, y: top + titleHeight + (cellHeight - titleHeight - linesHeight) / 2 - line / 2, muted)
            }
            for (c, tile) in row.enumerated() {
                let left = margin + labelWidth + c * (cellWidth + margin)
                let centre = left + cellWidth / 2
                canvas.text(tile.title, centreX: centre, y: top, ink)
                canvas.paste(tile.image, x: centre - tile.image.width * scale / 2, y: top + titleHeight, scale: scale)
                for (k, text) in tile.lines.enumerated() {
                    canvas.text(text, centreX: centre, y: top + titleHeight + tile.image.height * scale + 2 + k * line, ink)
                }
            }
        }
        return canvas.image
    }

    /// Sources above their targets, each pair captioned with its index, at most `columns` pairs
    /// a row (further pairs wrap onto new rows).
    public static func pairGrid(_ pairs: [Pair], firstIndex: Int = 0, columns: Int = 8) throws -> Image {
        var rows: [[Tile]] = [], labels: [String] = []
        for start in stride(from: 0, to: pairs.count, by: max(columns, 1)) {
            let chunk = pairs[start..<min(start + max(columns, 1), pairs.count)]
            rows.append(chunk.enumerated().map { Tile($0.element.source, title: "\(firstIndex + start + $0.offset)") })
            rows.append(chunk.map { Tile($0.target) })
            labels += ["source", "target"]
        }
        return try layout(rows, rowLabels: labels)
    }

    /// One image as a notebook shows it: a small one enlarged by whole pixels like a figure's
    /// tiles (a 64×64 image at 128×128, every pixel a crisp 2×2 block); one larger than
    /// `displaySide` shrunk to it and captioned with its own size; else itself.
    public static func displayed(_ image: Image) throws -> Image {
        if max(image.width, image.height) > displaySide {
            let shown = try image.shrunk(toFit: displaySide)
            return try layout([[Tile(shown, title: "\(image.width)×\(image.height), shown at \(shown.width)×\(shown.height)")]])
        }
        let scale = displayScale([image])
        guard scale > 1 else { return image }
        var canvas = try Canvas(width: image.width * scale, height: image.height * scale)
        canvas.paste(image, x: 0, y: 0, scale: scale)
        return canvas.image
    }

    /// The longest side a picture is shown at: a 12-megapixel photo must not go inline whole (a
    /// PNG of tens of megabytes); the value, and what `save` writes, keep every pixel.
    public static let displaySide = 1024

    /// Images in a row, each with its caption: a denoising trajectory, a sweep; wrapped onto more
    /// rows when one would be wider than `rowWidth`.
    public static func strip(_ images: [Image], captions: [String] = [], heading: String = "") throws -> Image {
        try layout(wrapped(images.enumerated().map { Tile($0.element, title: $0.offset < captions.count ? captions[$0.offset] : "") }),
                   heading: heading)
    }

    /// How wide a row of tiles may be before it wraps: about what JupyterLab's output area shows
    /// unscaled at its default width. A wider strip is shrunk to fit there, and fourteen tiles of a
    /// trajectory came out at 59 % with captions no one could read.
    public static let rowWidth = 900

    /// `tiles` in rows no wider than `rowWidth` (one tile a row at least), the rows as evenly
    /// filled as the count allows: fourteen that fit six a row go as 5, 5, 4, not 6, 6, 2.
    static func wrapped(_ tiles: [Tile]) -> [[Tile]] {
        guard !tiles.isEmpty else { return [] }
        let scale = displayScale(tiles.map(\.image))
        // A large image is shrunk by `layout` when its row is full, to 256 px at the least.
        let imageWidth = tiles.map { min($0.image.width * scale, 256) }.max() ?? 0
        let textWidth = tiles.flatMap { [$0.title] + $0.lines }.map { Canvas.textWidth($0) }.max() ?? 0
        let perRow = max(1, (rowWidth - margin) / (max(imageWidth, textWidth) + margin))
        let rows = (tiles.count + perRow - 1) / perRow
        let filled = (tiles.count + rows - 1) / rows
        return stride(from: 0, to: tiles.count, by: filled).map { Array(tiles[$0..<min($0 + filled, tiles.count)]) }
    }

    /// Images side by side, a title above each and its metrics printed under it, wrapped onto more
    /// rows when one would be wider than `rowWidth`.
    public static func comparison(_ tiles: [Tile], heading: String = "") throws -> Image {
        try layout(wrapped(tiles), heading: heading)
    }

    /// A table of text: a header row, a rule, the rows; each column as wide as its widest cell.
    public static func table(columns: [String], rows: [[String]]) throws -> Image {
        let all = [columns] + rows
        let count = all.map(\.count).max() ?? 0
        guard count > 0 else { throw ImageError.invalidSize("an empty table") }
        let widths = (0..<count).map { c in all.map { c < $0.count ? Canvas.textWidth($0[c]) : 0 }.max() ?? 0 }
        let line = Canvas.lineHeight() + 4, gap = 2 * margin
        let width = margin * 2 + widths.reduce(0, +) + gap * (count - 1)
        var canvas = try Canvas(width: max(width, 1), height: margin * 2 + line * all.count + 2)
        for (r, cells) in all.enumerated() {
            let y = margin + r * line + (r > 0 ? 2 : 0)
            var x = margin
            for (c, cell) in cells.enumerated() {
                canvas.text(cell, x: x, y: y, r == 0 ? muted : ink)
                x += widths[c] + gap
            }
        }
        canvas.fill(x: margin, y: margin + line - 1, width: width - 2 * margin, height: 1, muted)
        return canvas.image
    }
}
