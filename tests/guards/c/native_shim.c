/* The one syscall guard.c calls, for its native (host) build in the differential tests:
 * sol_memcmp_'s documented semantics (result = difference of the first differing bytes). */
#include "sol.h"

u64 sol_memcmp_(const void *a, const void *b, u64 n, i32 *result) {
    const u8 *x = a, *y = b;
    *result = 0;
    for (u64 i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            *result = (i32)x[i] - (i32)y[i];
            break;
        }
    }
    return 0;
}
