#include "../tsdk.h"

u64 entrypoint(u8 *input) {
  __sync_fetch_and_add((u64 *)input, 3);
  return 0;
}
