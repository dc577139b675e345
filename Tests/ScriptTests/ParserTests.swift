@testable import Script
import Testing
import TestSupport

/// Golden tests: each construct of the language and the tree it parses to.
@Suite(.hangLimit)
struct ParserTests {
    static let golden: [(String, String)] = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("(1 + 2) * -3", "(* (+ 1 2) (- 3))"),
        ("2e-4", "0.0002"),
        ("let x = 5", "(let x 5)"),
        ("var y = \"a\\n\"", "(var y \"a\n\")"),
        ("y = y + 1", "(= y (+ y 1))"),
        ("y += 2", "(+= y 2)"),
        ("[1, true, nil]", "[1, true, nil]"),
        ("0..<n", "(..< 0 n)"),
        ("1...5", "(... 1 5)"),
        ("pairs[3].source", "(. (index pairs 3) source)"),
        ("pairs[0..<5]", "(index pairs (..< 0 5))"),
        ("model.steps", "(. model steps)"),
        ("train(model, on: pairs, steps: 200, lr: 2e-4)", "(call train model on: pairs steps: 200 lr: 0.0002)"),
        ("a < b && !c || d == e", "(|| (&& (< a b) (! c)) (== d e))"),
        ("for x in [1, 2] { print(x) }", "(for x [1, 2] {(call print x)})"),
        ("if a { b } else if c { d } else { e }", "(if a {b} else {(if c {d} else {e})})"),
        ("time { synth(\"old\") }", "(call time {(call synth \"old\")})"),
        ("show(a,\n  b)", "(call show a b)"),
        ("let a = 1; let b = 2 // two statements", "(let a 1); (let b 2)"),
    ]

    @Test(arguments: golden)
    func parsesEachConstruct(source: String, expected: String) throws {
        #expect(Statement.describe(try Parser.parse(source)) == expected)
    }

    static let errors: [(String, String)] = [
        ("1 +", "1:4: expected an expression, found end of input"),
        ("let = 3", "1:5: expected a name after 'let', found ="),
        ("f(a b)", "1:5: expected ',' or ')' in the argument list, found b"),
        ("\"open", "1:1: this string has no closing \""),
        ("x = 1 2", "1:7: expected a new line or ';' between statements, found 2"),
        ("for i [1] { }", "1:7: expected 'in' after 'for i', found ["),
        ("if x { y", "1:9: expected '}' to close the block, found end of input"),
        ("a $ b", "1:3: unexpected character '$'"),
        ("a.1", "1:3: expected a member name after '.', found 1"),
    ]

    @Test(arguments: errors)
    func syntaxErrorsSayWhereAndWhat(source: String, expected: String) throws {
        let error = #expect(throws: ScriptError.self) { try Parser.parse(source) }
        #expect(error?.description == expected)
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() throws {
        #expect(throws: ScriptError.self) { try Parser.parse(String(repeating: "(", count: 100_000) + "1") }
        #expect(throws: ScriptError.self) { try Parser.parse(String(repeating: "-", count: 100_000) + "1") }
        #expect(throws: ScriptError.self) { try Parser.parse(String(repeating: "if a { ", count: 10_000)) }
    }
}
