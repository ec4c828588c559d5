/* R_BPF_64_ABS32: clang emits it for 32-bit data words that hold an address;
 * C cannot express that as a constant, so the table is written in assembly. */
#include "tsdk.h"

__attribute__((noinline)) u64 abs32_target(u64 x) { return x + 11; }

extern const u32 abs32_words[2];
__asm__(".section .rodata.abs32,\"a\",@progbits\n"
        ".p2align 2\n"
        ".globl abs32_words\n"
        "abs32_words:\n"
        ".long abs32_target\n"
        ".long abs32_target+8\n"
        ".text\n");

u64 entrypoint(const u8 *input) {
  (void)input;
  return_u64(((u64)abs32_words[1] << 32) | abs32_words[0]);
  return 0;
}
