/* Sysvars: the clock for every timestamp and expiry, rent for account creation, and the
 * instructions sysvar to learn which program a CPI-created session came from. */
#include "program.h"

u64 clock_now(i64 *now) {
    SolClock clock;
    if (sol_get_clock_sysvar(&clock) != 0) return fail(ERR_CREATION_FAILED);
    *now = clock.unix_timestamp;
    return 0;
}

/* minimum balance = (128 + data_len) * lamports_per_byte_year * threshold. The threshold is
 * an f64 (2.0 before SIMD-0194, 1.0 after); without an FPU we accept any small integer value,
 * decoded from its bit pattern, and refuse the rest instead of guessing. */
u64 rent_minimum_balance(u64 data_len, u64 *lamports) {
    SolRent rent;
    if (sol_get_rent_sysvar(&rent) != 0) return fail(ERR_CREATION_FAILED);
    u64 bits = rent.exemption_threshold_bits;
    u64 exponent = (bits >> 52) & 0x7ff;
    u64 mantissa = bits & ((1ULL << 52) - 1);
    if ((bits >> 63) != 0 || exponent < 1023 || exponent > 1023 + 4) return fail(ERR_CREATION_FAILED);
    u64 shift = exponent - 1023;
    if ((mantissa & ((1ULL << (52 - shift)) - 1)) != 0) return fail(ERR_CREATION_FAILED);
    u64 multiplier = ((1ULL << 52) | mantissa) >> (52 - shift);
    *lamports = (128 + data_len) * rent.lamports_per_byte_year * multiplier;
    return 0;
}

/* Sysvar1nstructions1111111111111111111111111 */
static const SolPubkey INSTRUCTIONS_SYSVAR = {{0x06, 0xa7, 0xd5, 0x17, 0x18, 0x7b, 0xd1, 0x66,
                                               0x35, 0xda, 0xd4, 0x04, 0x55, 0xfd, 0xc2, 0xc0,
                                               0xc1, 0x24, 0xc6, 0x8f, 0x21, 0x56, 0x75, 0xa5,
                                               0xdb, 0xba, 0xcb, 0x5f, 0x08, 0x00, 0x00, 0x00}};

static u64 read_u16(const u8 *p) { return (u64)p[0] | ((u64)p[1] << 8); }

/* The program id of the top-level instruction being executed, from the instructions sysvar:
 * u16 count, u16 offsets[count], instructions..., u16 current index (last two bytes). Each
 * instruction: u16 n_accounts, n_accounts * (u8 flags + key[32]), program_id[32], ... */
u64 top_level_program(const Context *ctx, u64 sysvar_index, SolPubkey *out) {
    if (ctx->n_accounts <= sysvar_index) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u8 *sysvar = ctx->accounts[sysvar_index];
    if (!key_eq(acc_key(sysvar), &INSTRUCTIONS_SYSVAR)) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    const u8 *d = acc_data(sysvar);
    u64 len = acc_data_len(sysvar);
    if (len < 4) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u64 count = read_u16(d);
    u64 current = read_u16(d + len - 2);
    if (current >= count || 2 + 2 * count > len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u64 at = read_u16(d + 2 + 2 * current);
    if (at + 2 > len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u64 program_at = at + 2 + 33 * read_u16(d + at);
    if (program_at + 32 > len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    for (u64 i = 0; i < 32; i++) out->x[i] = d[program_at + i];
    return 0;
}
