#include "../tsdk.h"

extern void sol_log(const char *message, u64 len); /* the real one is sol_log_ */

u64 entrypoint(const u8 *input) {
  (void)input;
  sol_log("typo", 4);
  return 0;
}
