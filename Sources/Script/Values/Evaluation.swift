import Engine
import Models

/// What `evaluate` returns: the model's scores on held-out pairs beside the identity's (the
/// source returned unchanged). It displays as the table; its numbers are members, so a notebook
/// can follow them as training goes on (`e.editPSNR`).
public struct Evaluation: ScriptObject {
    public static let typeName = "Evaluation"
    /// The identity's row, then the model's.
    public let identity: EvaluationRow, model: EvaluationRow

    public var summary: String {
        let edit = model.editPSNR.map { String(format: "%.2f", $0) } ?? "—"
        let base = identity.editPSNR.map { String(format: "%.2f", $0) } ?? "—"
        return "Evaluation of \(model.method) after \(model.steps) steps: \(edit) dB where the edit is (identity \(base))"
    }

    public var members: [(String, Value)] {
        func number(_ v: Double?) -> Value { v.map(Value.number) ?? .null }
        return [("psnr", .number(model.psnr)), ("ssim", .number(model.ssim)), ("editPSNR", number(model.editPSNR)),
                ("editCover", .number(model.editCover)), ("sharpness", number(model.sharpness)), ("diffusion", .bool(model.diffusion)),
                ("steps", .number(Double(model.steps))),
                ("identityPSNR", .number(identity.psnr)), ("identityEditPSNR", number(identity.editPSNR)),
                ("table", .object(table))]
    }

    public func display() throws -> DisplayBundle { try table.display() }

    /// The rows as a table (HTML and a picture in a notebook, aligned text in a terminal).
    public var table: Table {
        Table(columns: EvaluationRow.tableColumns, rows: [identity, model].map(\.tableCells), showsPicture: true)
    }
}
