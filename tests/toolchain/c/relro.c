/* A pointer table in .data.rel.ro: what position-independent compiles produce
 * for constant tables of addresses. The linker resolves the pointers, so the
 * section is read-only after linking and is merged into .rodata. */
#include "tsdk.h"

typedef u64 (*step_fn)(u64);

__attribute__((noinline)) u64 step_inc(u64 x) { return x + 1; }
__attribute__((noinline)) u64 step_dbl(u64 x) { return x * 2; }

__attribute__((section(".data.rel.ro.steps"))) const step_fn relro_steps[2] = {step_inc, step_dbl};

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  if (n < 2) return 1;
  return_u64(relro_steps[d[0] & 1](d[1]));
  return 0;
}
