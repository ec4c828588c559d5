/* callx through function pointers loaded two ways: from a constant table in
 * .rodata (R_BPF_64_ABS64) and as an immediate address (lddw, R_BPF_64_64). */
#include "tsdk.h"

typedef u64 (*op_fn)(u64, u64);

__attribute__((noinline)) u64 op_add(u64 a, u64 b) { return a + b; }
__attribute__((noinline)) u64 op_sub(u64 a, u64 b) { return a - b; }
__attribute__((noinline)) u64 op_mul(u64 a, u64 b) { return a * b; }
__attribute__((noinline)) u64 op_xor(u64 a, u64 b) { return a ^ b; }

const op_fn callx_ops[4] = {op_add, op_sub, op_mul, op_xor};

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  if (n < 17) return 1;
  u64 sel = d[0], a = load_u64(d + 1), b = load_u64(d + 9);
  u64 r;
  if (sel & 4) {
    op_fn f = (sel & 1) ? op_mul : op_xor;
    r = f(a, b);
  } else {
    r = callx_ops[sel & 3](a, b);
  }
  return_u64(r);
  return 0;
}
