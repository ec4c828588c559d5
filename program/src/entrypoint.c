/* Entrypoint and dispatch: parse the loader's input, route on the 8-byte discriminator
 * through the generated table (sessions_dispatch.h), checking the data size and account
 * count it declares before the handler runs. */
#include "program.h"

/* A new record spans its header, data, the realloc room and padding to 8, then rent_epoch:
 * aligning up after adding the rent_epoch's 8 bytes is the same as adding them after. */
#define RECORD_TAIL (INPUT_OFF_DATA + MAX_PERMITTED_DATA_INCREASE + sizeof(u64) + 7)

/* One kept account: its record in *slot, or (a duplicate) the record of the earlier account
 * its marker names (the runtime's encoding: always a kept slot before this one; NULL never
 * comes from the runtime); p moves to the next record. */
#define KEEP_ACCOUNT(p, accounts, slot)                                                        \
    do {                                                                                      \
        u8 dup_ = *(p);                                                                       \
        if (__builtin_expect(dup_ == INPUT_DUP_NONE, 1)) {                                    \
            *(slot) = (p);                                                                    \
            (p) = (u8 *)(((u64)(p) + RECORD_TAIL + load_u64((p) + INPUT_OFF_DATA_LEN)) & ~7ULL); \
        } else {                                                                              \
            *(slot) = (accounts) + dup_ < (slot) ? (accounts)[dup_] : NULL;                   \
            (p) += INPUT_DUP_RECORD_SIZE;                                                     \
        }                                                                                     \
    } while (0)

/* Accounts kept per step of parse_input's first loop (its body is written out four times). */
#define PARSE_STEP 4

/* Every instruction runs this once per account, so it is kept to a few instructions per
 * record: the kept accounts PARSE_STEP per step (the slot pointer moves and the count left is
 * compared once per step, the stores use constant offsets), the fewer than PARSE_STEP left
 * straight-line, then (rarely) the accounts past MAX_ACCOUNTS, walked only to find the
 * instruction data. Measured against one record per iteration: 4 to 7 CU less for every
 * instruction (execute_overhead 616 -> 610). Inlined into the entrypoint, its one caller. */
__attribute__((always_inline)) void parse_input(u8 *input, Context *ctx) {
    u64 n = load_u64(input);
    u8 *p = input + sizeof(u64);
    ctx->n_accounts = n;
    u8 **accounts = ctx->accounts, **slot = accounts;
    u64 left = n < MAX_ACCOUNTS ? n : MAX_ACCOUNTS;
    for (; left >= PARSE_STEP; left -= PARSE_STEP, slot += PARSE_STEP) {
        KEEP_ACCOUNT(p, accounts, slot);
        KEEP_ACCOUNT(p, accounts, slot + 1);
        KEEP_ACCOUNT(p, accounts, slot + 2);
        KEEP_ACCOUNT(p, accounts, slot + 3);
    }
    _Static_assert(PARSE_STEP == 4, "four copies per step, at most three left");
    /* the rest straight-line, one path per count */
    switch (left) {
    case 3:
        KEEP_ACCOUNT(p, accounts, slot);
        KEEP_ACCOUNT(p, accounts, slot + 1);
        KEEP_ACCOUNT(p, accounts, slot + 2);
        break;
    case 2:
        KEEP_ACCOUNT(p, accounts, slot);
        KEEP_ACCOUNT(p, accounts, slot + 1);
        break;
    case 1:
        KEEP_ACCOUNT(p, accounts, slot);
        break;
    default:
        break;
    }
    for (u64 i = MAX_ACCOUNTS; i < n; i++) {
        if (*p == INPUT_DUP_NONE)
            p = (u8 *)(((u64)p + RECORD_TAIL + load_u64(p + INPUT_OFF_DATA_LEN)) & ~7ULL);
        else
            p += INPUT_DUP_RECORD_SIZE;
    }
    ctx->data_len = load_u64(p);
    ctx->data = p + sizeof(u64);
    ctx->program_id = (const SolPubkey *)(ctx->data + ctx->data_len);
}

u64 entrypoint(u8 *input) {
    Context ctx;
    parse_input(input, &ctx);
    if (ctx.data_len < 8) return fail(ERR_UNKNOWN_INSTRUCTION);
    u64 tag = load_u64(ctx.data);
    /* The generated table, expanded into one compare per instruction (dispatch order). */
#define ROUTE(DISCRIMINATOR, DATA_SIZE, EXACT_SIZE, NUM_ACCOUNTS, HANDLER)             \
    if (tag == (DISCRIMINATOR)) {                                                      \
        u64 err = check_instruction(&ctx, (DATA_SIZE), (EXACT_SIZE), (NUM_ACCOUNTS)); \
        return err ? err : HANDLER(&ctx);                                              \
    }
    SESSIONS_DISPATCH_TABLE(ROUTE)
#undef ROUTE
    return fail(ERR_UNKNOWN_INSTRUCTION);
}
