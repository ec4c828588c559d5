/* Sysvars read by syscall: the clock for every timestamp and expiry, rent for account
 * creation (the instructions sysvar, an account, is instructions_sysvar.c's). */
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

static const SolPubkey CLOCK_ACCOUNT = SYSVAR_CLOCK_ID;

/* The same timestamp from the Clock sysvar passed as an account: a key compare and a load
 * instead of a syscall (about 100 CU less), for the instruction that runs most. */
u64 clock_from_account(const u8 *account, i64 *now) {
    if (!key_eq(acc_key(account), &CLOCK_ACCOUNT) ||
        acc_data_len(account) < CLOCK_OFF_UNIX_TIMESTAMP + sizeof(i64))
        return fail(ERR_MISSING_CLOCK_SYSVAR);
    *now = load_i64(acc_data((u8 *)account) + CLOCK_OFF_UNIX_TIMESTAMP);
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
