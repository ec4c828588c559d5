/* SBPF side of the differential test: instruction data is
 * [u8 op][u64 a][u64 b][bytes...]; the result goes out as return data. */
#include "funcs.h"

extern void sol_set_return_data(const uint8_t *data, uint64_t len);

static uint64_t load(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static void store(uint8_t *p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t entrypoint(const uint8_t *input) {
  uint64_t n = load(input + 8);
  const uint8_t *d = input + 16;
  if (n < 17) return 1;
  uint64_t a = load(d + 1), b = load(d + 9);
  uint8_t out[24];
  uint64_t len = 8;
  switch (d[0]) {
    case 0: store(out, d_arith(a, b), 8); break;
    case 1: store(out, d_loop(d + 17, n - 17), 8); break;
    case 2: store(out, d_switch(a), 8); break;
    case 3: {
      struct d_pair p;
      d_struct(a, b, &p);
      store(out, p.lo, 8);
      store(out + 8, p.hi, 8);
      store(out + 16, p.small, 4);
      out[20] = p.flag;
      len = 21;
      break;
    }
    case 4: store(out, d_fptr(a >> 60, a, b), 8); break;
    default: return 2;
  }
  sol_set_return_data(out, len);
  return 0;
}
