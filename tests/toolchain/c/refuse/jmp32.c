/* Compiled with -mcpu=v3, the 32-bit comparison becomes a JMP32 instruction. */
#include "../tsdk.h"

u64 entrypoint(const u8 *input) {
  u32 a = (u32)load_u64(input + 16), b = (u32)load_u64(input + 24);
  return a < b ? 5 : 7;
}
