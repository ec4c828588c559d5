#include "../tsdk.h"

u64 helper_not_linked(u64 x);

u64 entrypoint(const u8 *input) { return helper_not_linked(input[0]); }
