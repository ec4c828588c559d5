#include "../tsdk.h"

static u64 counter;

u64 entrypoint(const u8 *input) {
  counter += input[0];
  return counter;
}
