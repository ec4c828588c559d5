#include "multi.h"

u64 entrypoint(const u8 *input) {
  static const char where[] = __FILE__;
  sol_log_(where, sizeof(where) - 1);
  u64 n = input[8];
  u64 r = multi_scale(n ? input[16] : 5);
  u8 out[8];
  for (int i = 0; i < 8; i++) out[i] = (u8)(r >> (8 * i));
  sol_set_return_data(out, 8);
  return 0;
}
