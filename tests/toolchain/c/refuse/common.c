/* Compiled with -fcommon, the tentative definition becomes a COMMON symbol. */
#include "../tsdk.h"

u64 tentative;

u64 entrypoint(const u8 *input) {
  tentative = input[0];
  return tentative;
}
