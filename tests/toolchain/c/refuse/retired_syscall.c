#include "../tsdk.h"

extern void *sol_alloc_free_(u64 size, void *free_ptr);

u64 entrypoint(const u8 *input) {
  return sol_alloc_free_(input[0], 0) != 0;
}
