/* Syscall imports: each call site becomes `call -1` + a .rel.dyn entry. */
#include "tsdk.h"

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  LOG("syscalls-first");
  sol_log_64_(n, 1, 2, 3, 4);
  LOG("syscalls-second");
  return_u64(n ? d[0] : 0);
  return 0;
}
