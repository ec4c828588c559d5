/* R_BPF_64_64: lddw of a global constant table (named symbol) and of a string
 * literal (section symbol + addend). */
#include "tsdk.h"

const u64 lddw_table[4] = {
    0x1111111111111111UL, 0x2222222222222222UL, 0x3333333333333333UL, 0x4444444444444444UL};

u64 entrypoint(const u8 *input) {
  u64 n;
  const u8 *d = ix_data(input, &n);
  u64 i = n ? d[0] & 3 : 0;
  LOG("lddw-greeting");
  return_u64(lddw_table[i]);
  return 0;
}
