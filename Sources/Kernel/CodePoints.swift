/// Jupyter counts cursor positions in Unicode code points (protocol 5.2 and later); the
/// language's completion and inspection count Swift Characters (grapheme clusters). An emoji
/// with a skin tone is one Character and two code points, and neither is a count of UTF-16 units.
extension String {
    /// The Character offset at code point `codePoint` (clamped to the text).
    func characterOffset(ofCodePoint codePoint: Int) -> Int {
        let scalars = Array(unicodeScalars)
        let clamped = min(max(codePoint, 0), scalars.count)
        return String(String.UnicodeScalarView(scalars[..<clamped])).count
    }

    /// The code point offset at Character `character`.
    func codePointOffset(ofCharacter character: Int) -> Int {
        String(prefix(max(character, 0))).unicodeScalars.count
    }
}
