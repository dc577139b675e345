// Saves checkpoints to one path over and over, for the test that kills it in the middle of a save:
// save k holds a 1M-element tensor of the value k, and metadata "k". Prints "saved k" after each.
import Engine
import Foundation
import Models

let arguments = CommandLine.arguments
guard arguments.count == 3, let saves = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: checkpoint-writer PATH SAVES\n".utf8))
    exit(2)
}
do {
    for k in 1...saves {
        let values = try Tensor(shape: [1024, 1024], repeating: Float(k))
        try Checkpoint(tensors: [("values", values)], metadata: ["k": String(k)]).write(to: arguments[1])
        FileHandle.standardOutput.write(Data("saved \(k)\n".utf8))
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
