/* A call from a function in its own section to a static function that is not
 * at the start of .text: the relocation is against the .text section symbol
 * and the callee's offset travels in the call's immediate (addend/8 - 1). */
#include "tsdk.h"

__attribute__((noinline)) static u64 first_static(u64 x) { return x * 5; }
__attribute__((noinline)) static u64 second_static(u64 x) { return x + 1000; }

__attribute__((noinline, section(".text.elsewhere"))) u64 elsewhere(u64 x) {
  return second_static(x) ^ first_static(x);
}

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  u64 x = n >= 8 ? load_u64(d) : 0;
  return_u64(elsewhere(x) + first_static(x + 1));
  return 0;
}
