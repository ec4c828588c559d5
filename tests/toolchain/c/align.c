/* Input sections with alignment above 8: a 64-byte aligned function and table
 * placed after odd-sized data, so the linker must pad to keep them aligned. */
#include "tsdk.h"

__attribute__((section(".rodata.odd"))) const u8 odd_bytes[3] = {1, 2, 3};
__attribute__((aligned(64))) const u64 aligned_table[4] = {10, 20, 30, 40};

__attribute__((noinline)) u64 plain_fn(u64 x) { return x + odd_bytes[2]; }
__attribute__((noinline, aligned(64))) u64 aligned_fn(u64 x) { return x ^ 0x55; }

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  u64 i = n ? d[0] & 3 : 0;
  u64 misalignment = ((u64)aligned_table & 63) | ((u64)&aligned_fn & 63);
  return_u64((misalignment << 32) | (aligned_table[i] + aligned_fn(i) + plain_fn(i)));
  return 0;
}
