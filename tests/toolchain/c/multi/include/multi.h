/* Header of the multi-file build fixture; tests edit it to trigger rebuilds. */
#pragma once

typedef unsigned long u64;
typedef unsigned char u8;

#define MULTI_SCALE 3

extern void sol_log_(const char *message, u64 len);
extern void sol_set_return_data(const u8 *data, u64 len);

u64 multi_scale(u64 x);
