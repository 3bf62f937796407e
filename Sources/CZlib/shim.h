#ifndef UPLOAD_EDGE_CZLIB_SHIM_H
#define UPLOAD_EDGE_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit is a macro; Swift cannot call it.
static inline int ue_inflate_init(z_streamp stream) { return inflateInit(stream); }
#endif
