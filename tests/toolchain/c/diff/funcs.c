#include "funcs.h"

uint64_t d_arith(uint64_t a, uint64_t b) {
  uint64_t r = a * b;
  r ^= a / (b | 1);
  r += a % ((b >> 3) | 1);
  r ^= a << (b & 63);
  r += b >> (a & 63);
  r ^= (uint64_t)(uint32_t)(a * 3 + b);
  r += (a > b) ? a - b : b - a;
  r ^= (uint64_t)(uint32_t)a / ((uint32_t)b | 1);
  return r;
}

uint64_t d_loop(const uint8_t *data, uint64_t n) {
  uint64_t h = 1469598103934665603UL;
  for (uint64_t i = 0; i < n; i++) {
    h ^= data[i];
    h *= 1099511628211UL;
  }
  uint64_t acc = 0;
  for (uint64_t i = 0; i < n; i++)
    for (uint64_t j = i; j < n; j++) acc += (uint64_t)data[i] * data[j] + (i ^ j);
  uint64_t steps = 0;
  for (uint64_t x = h | 1; x != 1 && steps < 200; steps++) x = (x & 1) ? 3 * x + 1 : x / 2;
  return h ^ (acc << 7) ^ steps;
}

uint64_t d_switch(uint64_t x) {
  uint64_t k = x % 13;
  switch (k) {
    case 0: return x * 3;
    case 1: return x ^ 0xdeadbeefUL;
    case 2: return x >> 5;
    case 3: return x << 9;
    case 4: return x + 12345;
    case 5: return x - 777;
    case 6: return ~x;
    case 7: return x / 7;
    case 8: return x % 1000003;
    case 9: return (x & 0xffff) * (x >> 48);
    case 10: return x | 0x8000000000000001UL;
    default: return k * 1000 + (x & 7);
  }
}

void d_struct(uint64_t a, uint64_t b, struct d_pair *out) {
  out->lo = a + b;
  out->hi = (a > b) ? a / (b | 1) : b / (a | 1);
  out->small = (uint32_t)(a ^ (b >> 32));
  out->flag = (uint8_t)((a & 0xff) < (b & 0xff));
}

typedef uint64_t (*d_op)(uint64_t, uint64_t);

static uint64_t op_mix(uint64_t a, uint64_t b) { return (a * 31) ^ b; }
static uint64_t op_rot(uint64_t a, uint64_t b) { return (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)); }
static uint64_t op_min(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t op_div(uint64_t a, uint64_t b) { return a / (b | 1) + a % (b | 1); }

static const d_op d_ops[4] = {op_mix, op_rot, op_min, op_div};

uint64_t d_fptr(uint64_t sel, uint64_t a, uint64_t b) {
  return d_ops[sel & 3](a, b) + d_ops[(sel >> 2) & 3](b, a);
}
