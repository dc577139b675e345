// OpenBLAS's CBLAS interface; the include folder comes from `pkg-config openblas`.
#include <cblas.h>
