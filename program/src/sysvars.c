/* Sysvars: the clock for every timestamp and expiry, rent for account creation, and the
 * instructions sysvar to learn which program a CPI-created session came from. */
#include "program.h"

#ifdef SESSIONS_PORTABLE_SYSVARS
/* Portable build (`sessions build --portable`): the per-sysvar syscalls, which every runtime
 * has. They copy the whole sysvar, so they cost a little more than sol_get_sysvar (SIMD-0127),
 * which runtimes without that feature refuse at deploy time ("Unresolved symbol"). */
static u64 read_timestamp(i64 *now) {
    SolClock clock;
    u64 status = sol_get_clock_sysvar(&clock);
    *now = clock.unix_timestamp;
    return status;
}

static u64 read_rent(SolRent *rent) { return sol_get_rent_sysvar(rent); }
#else
static const SolPubkey CLOCK_SYSVAR = SYSVAR_CLOCK_ID;
static const SolPubkey RENT_SYSVAR = SYSVAR_RENT_ID;

/* Default build: only the bytes used are copied (110 CU for the timestamp instead of 140
 * for the whole Clock). */
static u64 read_timestamp(i64 *now) {
    return sol_get_sysvar(&CLOCK_SYSVAR, now, CLOCK_OFF_UNIX_TIMESTAMP, sizeof(*now));
}

static u64 read_rent(SolRent *rent) {
    return sol_get_sysvar(&RENT_SYSVAR, rent, RENT_OFF_LAMPORTS_PER_BYTE_YEAR,
                          RENT_OFF_EXEMPTION_THRESHOLD + sizeof(rent->exemption_threshold_bits));
}
#endif

u64 clock_now(i64 *now) {
    if (read_timestamp(now) != 0) return fail(ERR_SYSVAR_UNAVAILABLE);
    return 0;
}

/* minimum balance = (SOL_ACCOUNT_STORAGE_OVERHEAD + data_len) * lamports_per_byte_year *
 * threshold, so *per_byte = lamports_per_byte_year * threshold (see rent_exempt_minimum).
 * The threshold is an f64 (2.0 before SIMD-0194, 1.0 after); without an FPU we accept any
 * small integer value, decoded from its bit pattern, and refuse the rest instead of guessing.
 * For those values the product equals the runtime's own f64 computation exactly. */
u64 rent_exemption_rate(u64 *per_byte) {
    SolRent rent;
    if (read_rent(&rent) != 0) return fail(ERR_SYSVAR_UNAVAILABLE);
    u64 bits = rent.exemption_threshold_bits;
    u64 exponent = (bits >> 52) & 0x7ff;
    u64 mantissa = bits & ((1ULL << 52) - 1);
    if ((bits >> 63) != 0 || exponent < 1023 || exponent > 1023 + 4) return fail(ERR_CREATION_FAILED);
    u64 shift = exponent - 1023;
    if ((mantissa & ((1ULL << (52 - shift)) - 1)) != 0) return fail(ERR_CREATION_FAILED);
    u64 multiplier = ((1ULL << 52) | mantissa) >> (52 - shift);
    *per_byte = rent.lamports_per_byte_year * multiplier;
    return 0;
}

static const SolPubkey INSTRUCTIONS_SYSVAR = SYSVAR_INSTRUCTIONS_ID;

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
