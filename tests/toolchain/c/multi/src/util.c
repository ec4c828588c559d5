#include "multi.h"

u64 multi_scale(u64 x) { return x * MULTI_SCALE; }
