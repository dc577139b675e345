import Foundation
import TestSupport
import Testing

/// Every suite of every test target carries `.hangLimit`, so a new suite cannot hang unnamed.
@Suite(.hangLimit)
struct HangLimitTests {
    @Test func everySuiteHasTheHangLimit() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let files = try #require(FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var suites = 0
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            // A suite: a top-level struct with a @Test before the next top-level declaration.
            let declarations = lines.indices.filter { index in
                ["struct ", "final class ", "enum ", "extension "].contains { lines[index].hasPrefix($0) }
            }
            for (k, start) in declarations.enumerated() where lines[start].hasPrefix("struct ") {
                let end = k + 1 < declarations.count ? declarations[k + 1] : lines.count
                guard lines[start..<end].contains(where: { $0.contains("@Test") }) else { continue }
                suites += 1
                let attribute = start > 0 ? lines[start - 1] : ""
                #expect(attribute.hasPrefix("@Suite(") && attribute.contains(".hangLimit"),
                        "\(file.lastPathComponent):\(start + 1): \(lines[start]) has no @Suite(.hangLimit)")
            }
        }
        #expect(suites > 60, "found only \(suites) suites under \(tests.path)")
    }
}
