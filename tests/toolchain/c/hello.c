/* The smallest useful program: one log line, one return value. */
#include "tsdk.h"

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  LOG("hello from the toolchain");
  return_u64(n ? (u64)d[0] * 3 : 42);
  return 0;
}
