#include "../tsdk.h"

u64 shared_name(u64 x) { return x + 1; }

u64 entrypoint(const u8 *input) { return shared_name(input[0]); }
