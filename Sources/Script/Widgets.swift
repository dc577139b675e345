import Foundation

/// The comms of the Jupyter messaging protocol, as a sink that can carry them offers them: the
/// kernel's sink publishes `comm_open` and `comm_msg` on IOPub; a terminal has none.
public protocol CommChannel: AnyObject {
    /// Opens comm `id` to `target` with its first data and binary buffers.
    func open(comm id: String, target: String, data: [String: Any], metadata: [String: Any], buffers: [[UInt8]])
    /// Sends data (and buffers) on an open comm.
    func send(comm id: String, data: [String: Any], buffers: [[UInt8]])
}

/// One model of the Jupyter widget protocol (version 2.1: ipywidgets 8, `@jupyter-widgets/base`
/// and `controls` 2.0), living in the kernel and mirrored by the frontend over its comm: the state
/// it opened with, and what to do when the frontend changes it. No Python: the protocol is
/// messages (`jupyter-widgets/ipywidgets`' `packages/schema/messages.md`).
final class Widget {
    static let target = "jupyter.widget"
    static let protocolVersion = "2.1.0"

    let id = UUID().uuidString.lowercased()
    private(set) var state: [String: Any]
    /// The state keys that hold binary data (an image's bytes), sent as buffers.
    private var binary: [String: [UInt8]]
    /// Hears the keys the frontend changed (a slider's value), after they are applied.
    var onChange: (([String: Any], CommChannel) throws -> Void)?

    init(_ state: [String: Any], binary: [String: [UInt8]] = [:]) { (self.state, self.binary) = (state, binary) }

    /// `"IPY_MODEL_<id>"`, how another widget's state refers to this one.
    var reference: String { "IPY_MODEL_" + id }

    /// Opens the widget's comm: its whole state, binary values as buffers.
    func open(on channel: CommChannel) {
        channel.open(comm: id, target: Widget.target, data: ["state": state, "buffer_paths": binary.keys.sorted().map { [$0] }],
                     metadata: ["version": Widget.protocolVersion], buffers: binary.keys.sorted().compactMap { binary[$0] })
    }

    /// Changes state in the kernel and tells the frontend.
    func update(_ changes: [String: Any], binary changedBinary: [String: [UInt8]] = [:], on channel: CommChannel) {
        state.merge(changes) { $1 }
        binary.merge(changedBinary) { $1 }
        let keys = changedBinary.keys.sorted()
        channel.send(comm: id, data: ["method": "update", "state": changes, "buffer_paths": keys.map { [$0] }],
                     buffers: keys.compactMap { changedBinary[$0] })
    }

    /// A message from the frontend: an `update` of some keys, or a `request_state`. Throws a
    /// message that names what is wrong with one it cannot take.
    func receive(_ data: [String: Any], on channel: CommChannel) throws {
        switch data["method"] as? String {
        case "update":
            guard let changes = data["state"] as? [String: Any] else {
                throw WidgetError("an update for widget \(id) has no state object")
            }
            let unknown = changes.keys.filter { state[$0] == nil && binary[$0] == nil }.sorted()
            guard unknown.isEmpty else { throw WidgetError("widget \(id) (\(state["_model_name"] ?? "?")) has no \(unknown.joined(separator: ", "))") }
            // Taken only once the widget's owner accepts it: a rejected value leaves the state as it was.
            try onChange?(changes, channel)
            state.merge(changes) { $1 }
        case "request_state":
            let keys = binary.keys.sorted()
            channel.send(comm: id, data: ["method": "update", "state": state, "buffer_paths": keys.map { [$0] }], buffers: keys.compactMap { binary[$0] })
        case let other:
            throw WidgetError("widget \(id) takes update and request_state messages, got \(other.map { "'\($0)'" } ?? "no method")")
        }
    }

    // MARK: The models

    private static func model(_ name: String, module: String = "@jupyter-widgets/controls", view: String?,
                              viewModule: String = "@jupyter-widgets/controls") -> [String: Any] {
        ["_model_name": name, "_model_module": module, "_model_module_version": "2.0.0",
         "_view_name": view.map { $0 as Any } ?? NSNull(), "_view_module": viewModule, "_view_module_version": "2.0.0"]
    }

    static func layout() -> Widget { Widget(model("LayoutModel", module: "@jupyter-widgets/base", view: "LayoutView", viewModule: "@jupyter-widgets/base")) }

    static func style(_ name: String) -> Widget {
        Widget(model(name, view: "StyleView", viewModule: "@jupyter-widgets/base").merging(["description_width": ""]) { $1 })
    }

    /// A slider of whole numbers (`IntSliderModel`) or of numbers (`FloatSliderModel`).
    static func slider(_ description: String, value: Double, range: ClosedRange<Double>, step: Double, integer: Bool,
                       layout: Widget, style: Widget) -> Widget {
        let name = integer ? "IntSlider" : "FloatSlider"
        func number(_ v: Double) -> Any { integer ? Int(v) : v }
        return Widget(model(name + "Model", view: name + "View").merging([
            "description": description, "value": number(value), "min": number(range.lowerBound), "max": number(range.upperBound),
            "step": number(step), "continuous_update": false, "orientation": "horizontal", "readout": true,
            "readout_format": integer ? "d" : ".2f", "behavior": "drag-tap", "disabled": false, "layout": layout.reference,
            "style": style.reference, "_dom_classes": [String](), "description_allow_html": false, "tabbable": NSNull(), "tooltip": NSNull(),
        ]) { $1 })
    }

    /// A PNG shown by the frontend (`ImageModel`) `width` pixels wide (not stretched to the
    /// cell); its bytes travel as a buffer.
    static func image(_ png: [UInt8], width: Int, layout: Widget) -> Widget {
        Widget(model("ImageModel", view: "ImageView").merging([
            "format": "png", "width": String(width), "height": "", "layout": layout.reference, "_dom_classes": [String](), "tabbable": NSNull(), "tooltip": NSNull(),
        ]) { $1 }, binary: ["value": png])
    }

    /// Widgets stacked top to bottom (`VBoxModel`).
    static func column(_ children: [Widget], layout: Widget) -> Widget {
        Widget(model("VBoxModel", view: "VBoxView").merging([
            "children": children.map(\.reference), "box_style": "", "layout": layout.reference, "_dom_classes": [String](),
            "tabbable": NSNull(), "tooltip": NSNull(),
        ]) { $1 })
    }
}

/// A widget message the kernel cannot take, with what is wrong with it.
struct WidgetError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
