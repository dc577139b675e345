/// A PNG encoder written from the specification for the tests, independent of libpng: stored
/// (uncompressed) deflate blocks, filter type 0, every colour type and bit depth, Adam7 interlacing.
/// Files from it check that the decoder reads what another encoder wrote.
enum ReferencePNG {
    /// `samples(x, y)` gives the samples of one pixel as stored (a palette index, grey, grey+alpha,
    /// RGB or RGBA), each below 2^bitDepth.
    static func encode(width: Int, height: Int, colourType: UInt8, bitDepth: Int, interlaced: Bool = false,
                       palette: [(UInt8, UInt8, UInt8)] = [], samples: (Int, Int) -> [Int]) -> [UInt8] {
        var raw: [UInt8] = []
        let passes: [(Int, Int, Int, Int)] = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        for (x0, y0, dx, dy) in passes {
            let xs = Array(stride(from: x0, to: width, by: dx)), ys = Array(stride(from: y0, to: height, by: dy))
            guard !xs.isEmpty else { continue }
            for y in ys {
                raw.append(0)  // filter: none
                var bits: [Int] = []
                for x in xs { bits += samples(x, y) }
                raw += pack(bits, depth: bitDepth)
            }
        }
        var png: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        png += chunk("IHDR", be32(width) + be32(height) + [UInt8(bitDepth), colourType, 0, 0, interlaced ? 1 : 0])
        if !palette.isEmpty { png += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] }) }
        png += chunk("IDAT", zlibStored(raw))
        png += chunk("IEND", [])
        return png
    }

    static func pack(_ values: [Int], depth: Int) -> [UInt8] {
        if depth == 16 { return values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        if depth == 8 { return values.map { UInt8($0) } }
        var out: [UInt8] = [], current = 0, filled = 0
        for v in values {
            current = (current << depth) | v
            filled += depth
            if filled == 8 { out.append(UInt8(current)); current = 0; filled = 0 }
        }
        if filled > 0 { out.append(UInt8(current << (8 - filled))) }
        return out
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8((v >> 24) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(Int((b << 16) | a))
    }
}
