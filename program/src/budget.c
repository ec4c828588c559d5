/* What the instructions sysvar says about the running transaction, read in one pass: whether
 * this instruction is top level, and the compute-unit limit it requested (execute's compute charge: the
 * runtime refuses sol_remaining_compute_units, so a program cannot measure its own use).
 *
 * Sysvar layout: u16 count, u16 offsets[count], instructions..., u16 current index (last two
 * bytes). Each instruction: u16 n_accounts, n_accounts * (u8 flags + key[32]), program_id[32],
 * u16 data_len, data. */
#include "program.h"

#define SYSVAR_ACCOUNT_META_SIZE 33

static const SolPubkey COMPUTE_BUDGET_PROGRAM = COMPUTE_BUDGET_PROGRAM_ID;

static u64 read_u16(const u8 *p) { return (u64)p[0] | ((u64)p[1] << 8); }
static u64 read_u32(const u8 *p) { return read_u16(p) | (read_u16(p + 2) << 16); }

typedef struct {
    const u8 *d;
    u64 len;
    u64 count;
} Sysvar;

/* The caller has checked the account is the instructions sysvar (with its other accounts). */
static u64 open_sysvar(const u8 *account, Sysvar *s) {    s->d = acc_data((u8 *)account);
    s->len = acc_data_len(account);
    if (s->len < 4) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    s->count = read_u16(s->d);
    if (2 + 2 * s->count + 2 > s->len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    return 0;
}

/* Offset of instruction i's program id, bounds-checked (its data length u16 included). */
static u64 program_offset(const Sysvar *s, u64 i, u64 *out) {
    u64 at = read_u16(s->d + 2 + 2 * i);
    if (at + 2 > s->len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u64 program_at = at + 2 + SYSVAR_ACCOUNT_META_SIZE * read_u16(s->d + at);
    if (program_at + sizeof(SolPubkey) + 2 > s->len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    *out = program_at;
    return 0;
}

u64 read_transaction(const Context *ctx, const u8 *sysvar, u64 *compute_units) {
    if (sol_get_stack_height() != 1) return fail(ERR_NOT_TOP_LEVEL);
    Sysvar s;
    u64 err = open_sysvar(sysvar, &s);
    if (err) return err;
    u64 current = read_u16(s.d + s.len - 2);
    if (current >= s.count) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u64 others = 0, limit = 0;
    bool found = false;
    for (u64 i = 0; i < s.count; i++) {
        u64 program_at = 0;
        err = program_offset(&s, i, &program_at);
        if (err) return err;
        /* instruction keys in the sysvar are not 8-aligned: key_eq's word loads are unaligned
         * here, which the SBF VM permits */
        const SolPubkey *program = (const SolPubkey *)(s.d + program_at);
        if (i == current && !key_eq(program, ctx->program_id)) return fail(ERR_NOT_TOP_LEVEL);
        if (!key_eq(program, &COMPUTE_BUDGET_PROGRAM)) {
            others++;
            continue;
        }
        u64 data_at = program_at + sizeof(SolPubkey);
        u64 data_len = read_u16(s.d + data_at);
        const u8 *data = s.d + data_at + 2;
        if (data_at + 2 + data_len > s.len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
        if (data_len >= 5 && data[0] == SET_COMPUTE_UNIT_LIMIT_TAG) {
            limit = read_u32(data + 1);
            found = true;
        }
    }
    /* the runtime's rule: the SetComputeUnitLimit, else a default per other instruction;
     * both capped at the transaction maximum */
    if (!found) limit = others * DEFAULT_INSTRUCTION_COMPUTE_UNITS;
    *compute_units = limit < MAX_TRANSACTION_COMPUTE_UNITS ? limit : MAX_TRANSACTION_COMPUTE_UNITS;
    return 0;
}
