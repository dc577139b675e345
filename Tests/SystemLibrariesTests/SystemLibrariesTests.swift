import CBLAS
import CJPEG
import CPNG
import CZMQ
import Testing
import TestSupport

/// The system libraries are found by pkg-config, link, and are versions we build against.
@Suite(.hangLimit)
struct SystemLibrariesTests {
    @Test func openBLASMultipliesAMatrix() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
    }

    @Test func libzmqIsVersion4WithCurve() {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        #expect(major == 4)
        #expect(zmq_has("curve") == 1)
    }

    @Test func libpngIsVersion16() {
        let version = png_access_version_number()
        #expect(version >= 10_600 && version < 10_700)
    }

    @Test func libjpegIsLibjpegTurboWithTheVersion62API() {
        // jpeg_std_error cannot fail: the one call Swift may make into libjpeg directly.
        var errors = jpeg_error_mgr()
        _ = jpeg_std_error(&errors)
        #expect(JPEG_LIB_VERSION == 62 && errors.last_jpeg_message > 0)
    }
}
