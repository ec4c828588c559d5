/* The instructions sysvar: the running transaction's instructions, read by creation (which
 * program a CPI-created session came from) and by execute (top level, and the compute-unit
 * limit the runtime gave the transaction, requested or its default: execute's compute charge,
 * since the runtime refuses sol_remaining_compute_units and a program cannot measure its own
 * use).
 *
 * Layout: u16 count, u16 offsets[count], instructions..., u16 current index (last two bytes).
 * Each instruction: u16 n_accounts, n_accounts * (u8 flags + key[32]), program_id[32],
 * u16 data_len, data. Every offset read from it is bounds-checked before use. */
#include "program.h"

#define SYSVAR_ACCOUNT_META_SIZE (1 + sizeof(SolPubkey))
#define SYSVAR_U16 2
/* an instruction's program id is followed by its u16 data length */
#define PROGRAM_AND_DATA_LEN (sizeof(SolPubkey) + SYSVAR_U16)

static const SolPubkey INSTRUCTIONS_SYSVAR = SYSVAR_INSTRUCTIONS_ID;
static const SolPubkey COMPUTE_BUDGET_PROGRAM = COMPUTE_BUDGET_PROGRAM_ID;
/* the programs the runtime gives BUILTIN_INSTRUCTION_COMPUTE_UNITS when no limit is requested
 * (generated from sessions_client.constants.BUILTIN_PROGRAM_IDS) */
static const SolPubkey BUILTIN_PROGRAMS[BUILTIN_PROGRAM_COUNT] = BUILTIN_PROGRAM_IDS;

typedef struct {
    const u8 *d;
    u64 len;
    u64 count;
    u64 current;
} TxInstructions;

/* The caller has checked the account's key. The count and the current index are read, and
 * bounds-checked by check_instructions (the table of offsets and the current index fit). */
static u64 open_instructions(const u8 *account, TxInstructions *t) {
    t->d = acc_data((u8 *)account);
    t->len = acc_data_len(account);
    if (t->len < 2 * SYSVAR_U16) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    t->count = load_u16(t->d);
    t->current = load_u16(t->d + t->len - SYSVAR_U16);
    return 0;
}

static u64 check_instructions(const TxInstructions *t) {
    if (t->current >= t->count || SYSVAR_U16 * (t->count + 2) > t->len)
        return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    return 0;
}

/* Offset of instruction i's program id; its data length (u16) is within bounds too. Keys
 * in the sysvar are not 8-aligned: key_eq's word loads there are unaligned, which the SBF
 * VM permits. */
static u64 program_offset(const TxInstructions *t, u64 i, u64 *out) {
    u64 at = load_u16(t->d + SYSVAR_U16 * (i + 1));
    if (at + SYSVAR_U16 > t->len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u64 program_at = at + SYSVAR_U16 + SYSVAR_ACCOUNT_META_SIZE * load_u16(t->d + at);
    if (program_at + PROGRAM_AND_DATA_LEN > t->len) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    *out = program_at;
    return 0;
}

u64 require_instructions_sysvar(const u8 *account) {
    return key_eq(acc_key(account), &INSTRUCTIONS_SYSVAR) ? 0 : fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
}

u64 top_level_program(const Context *ctx, u64 sysvar_index, SolPubkey *out) {
    if (ctx->n_accounts <= sysvar_index) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
    u8 *sysvar = ctx->accounts[sysvar_index];
    u64 err = require_instructions_sysvar(sysvar);
    if (err) return err;
    TxInstructions t;
    u64 program_at = 0;
    err = open_instructions(sysvar, &t);
    if (!err) err = check_instructions(&t);
    if (!err) err = program_offset(&t, t.current, &program_at);
    if (err) return err;
    sol_memcpy_(out->x, t.d + program_at, sizeof(SolPubkey));
    return 0;
}

/* SetComputeUnitLimit's u32 in a compute-budget instruction's data, if it is one. */
static bool compute_unit_limit(const TxInstructions *t, u64 program_at, u64 *limit) {
    u64 data_at = program_at + PROGRAM_AND_DATA_LEN;
    u64 data_len = load_u16(t->d + program_at + sizeof(SolPubkey));
    const u8 *data = t->d + data_at;
    if (data_at + data_len > t->len || data_len < 1 + sizeof(u32) ||
        data[0] != SET_COMPUTE_UNIT_LIMIT_TAG)
        return false;
    *limit = load_u32(data + 1);
    return true;
}

/* One of BUILTIN_PROGRAMS. Most other ids start with a byte no builtin starts with and are
 * told apart by it alone. */
static bool is_builtin(const SolPubkey *program) {
    if (program->x[0] > BUILTIN_PROGRAM_MAX_FIRST_BYTE) return false;
    for (u64 i = 0; i < BUILTIN_PROGRAM_COUNT; i++)
        if (key_eq(program, &BUILTIN_PROGRAMS[i])) return true;
    return false;
}

/* Top level without sol_get_stack_height (100 CU): the instruction the sysvar says is
 * running is this program's own. Reached by a CPI instead, it would be another program's
 * top-level instruction, except when this program called itself (it never does: execute
 * refuses inner instructions to this program, and creation and closing call only the system
 * program) or was re-entered through another program, which the runtime refuses
 * (ReentrancyNotAllowed) before this code runs. Inlined into execute, its one caller
 * (measured 6 CU less than the call: the out-parameter and the arguments stay in registers).
 *
 * The compute charge is the limit the runtime gave the transaction: its SetComputeUnitLimit,
 * else DEFAULT_INSTRUCTION_COMPUTE_UNITS per instruction of a program that is not builtin
 * (this one's among them) and BUILTIN_INSTRUCTION_COMPUTE_UNITS per builtin one, compute-budget
 * instructions included; either capped at MAX_TRANSACTION_COMPUTE_UNITS. */
__attribute__((always_inline)) u64 read_transaction(const Context *ctx, const u8 *sysvar, u64 *compute_units) {
    TxInstructions t;
    u64 err = open_instructions(sysvar, &t);
    if (err) return err;
    if (t.count == 1) {
        /* the common transaction, this instruction alone: no compute-budget instruction;
         * check_instructions' bounds with the count known (the count, one offset and the
         * current index) */
        if (t.current != 0 || t.len < SYSVAR_U16 * (1 + 2)) return fail(ERR_MISSING_INSTRUCTIONS_SYSVAR);
        u64 program_at = 0;
        err = program_offset(&t, 0, &program_at);
        if (err) return err;
        if (!key_eq((const SolPubkey *)(t.d + program_at), ctx->program_id)) return fail(ERR_NOT_TOP_LEVEL);
        *compute_units = DEFAULT_INSTRUCTION_COMPUTE_UNITS;
        return 0;
    }
    err = check_instructions(&t);
    if (err) return err;
    u64 others = 0, builtins = 0, limit = 0;
    bool found = false;
    for (u64 i = 0; i < t.count; i++) {
        u64 program_at = 0;
        err = program_offset(&t, i, &program_at);
        if (err) return err;
        const SolPubkey *program = (const SolPubkey *)(t.d + program_at);
        if (i == t.current) {
            if (!key_eq(program, ctx->program_id)) return fail(ERR_NOT_TOP_LEVEL);
            others++;
        } else if (key_eq(program, &COMPUTE_BUDGET_PROGRAM)) {
            if (compute_unit_limit(&t, program_at, &limit)) found = true;
            builtins++;
        } else if (is_builtin(program)) {
            builtins++;
        } else {
            others++;
        }
    }
    if (!found)
        limit = others * DEFAULT_INSTRUCTION_COMPUTE_UNITS + builtins * BUILTIN_INSTRUCTION_COMPUTE_UNITS;
    *compute_units = limit < MAX_TRANSACTION_COMPUTE_UNITS ? limit : MAX_TRANSACTION_COMPUTE_UNITS;
    return 0;
}
