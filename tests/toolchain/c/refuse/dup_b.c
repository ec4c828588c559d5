#include "../tsdk.h"

u64 shared_name(u64 x) { return x + 2; }
