/* R_BPF_64_32 internal calls across files (and back), with calls_lib.c. */
#include "tsdk.h"

u64 lib_twice(u64 x);
u64 lib_chain(u64 x);

__attribute__((noinline)) u64 main_helper(u64 x) { return x * 7 + 1; }

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  u64 x = n >= 8 ? load_u64(d) : 0;
  return_u64(lib_twice(x) ^ lib_chain(x));
  return 0;
}
