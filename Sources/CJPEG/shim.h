// libjpeg-turbo's libjpeg API. libjpeg reports errors through an error_exit that must not
// return, which means longjmp: that must never cross a Swift frame, so Swift calls only what
// cannot fail (the version), and decoding and encoding live in the JPEGCodec C target.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
