/* Functions compiled twice: natively (gcc, x86-64) and for SBPF (clang BPF),
 * then compared on the same inputs. Only fixed-width unsigned types, so the
 * two ABIs agree. */
#pragma once
#include <stdint.h>

struct d_pair {
  uint64_t lo;
  uint64_t hi;
  uint32_t small;
  uint8_t flag;
};

uint64_t d_arith(uint64_t a, uint64_t b);
uint64_t d_loop(const uint8_t *data, uint64_t n);
uint64_t d_switch(uint64_t x);
void d_struct(uint64_t a, uint64_t b, struct d_pair *out);
uint64_t d_fptr(uint64_t sel, uint64_t a, uint64_t b);
