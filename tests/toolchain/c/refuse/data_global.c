#include "../tsdk.h"

u64 seeded = 5;

u64 entrypoint(const u8 *input) {
  seeded += input[0];
  return seeded;
}
