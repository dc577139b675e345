// libpng's C API. libpng reports errors by longjmp, which must never cross a Swift frame:
// Swift code may call only the functions here that cannot fail (version queries); reading and
// writing go through a C target that keeps setjmp and every fallible libpng call on the C side.
#include <png.h>
