/* Minimal declarations for the toolchain's test programs (not the product SDK).
 * Programs are invoked without accounts, so the input is
 * [u64 num_accounts = 0][u64 data_len][data ...][program id]. */
#pragma once

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

extern void sol_log_(const char *message, u64 len);
extern void sol_log_64_(u64 a, u64 b, u64 c, u64 d, u64 e);
extern void sol_set_return_data(const u8 *data, u64 len);

#define LOG(lit) sol_log_((lit), sizeof(lit) - 1)

static inline u64 load_u64(const u8 *p) {
  u64 v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static inline void store_u64(u8 *p, u64 v) {
  for (int i = 0; i < 8; i++) p[i] = (u8)(v >> (8 * i));
}

/* Instruction data of an account-less invocation. */
static inline const u8 *ix_data(const u8 *input, u64 *len) {
  *len = load_u64(input + 8);
  return input + 16;
}

static inline void return_u64(u64 v) {
  u8 b[8];
  store_u64(b, v);
  sol_set_return_data(b, 8);
}
