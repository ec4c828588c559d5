/* Entrypoint and dispatch: parse the loader's input, route on the 8-byte discriminator
 * through the generated table (sessions_dispatch.h), checking the data size and account
 * count it declares before the handler runs. */
#include "program.h"

/* A new record spans its header, data, the realloc room and padding to 8, then rent_epoch:
 * aligning up after adding the rent_epoch's 8 bytes is the same as adding them after. */
#define RECORD_TAIL (INPUT_OFF_DATA + MAX_PERMITTED_DATA_INCREASE + sizeof(u64) + 7)

/* Every instruction runs this loop once per account, so it is kept to a few instructions
 * per record: the accounts the program keeps, then (rarely) the ones past MAX_ACCOUNTS,
 * walked only to find the instruction data. A duplicate's marker is the index of an earlier
 * account (the runtime's encoding), so it is always a kept index in the first loop. */
void parse_input(u8 *input, Context *ctx) {
    u64 n = load_u64(input);
    u8 *p = input + sizeof(u64);
    ctx->n_accounts = n;
    u8 **slot = ctx->accounts;
    u8 **kept_end = slot + (n < MAX_ACCOUNTS ? n : MAX_ACCOUNTS);
    for (; slot < kept_end; slot++) {
        u8 dup = *p;
        if (__builtin_expect(dup == INPUT_DUP_NONE, 1)) {
            *slot = p;
            p = (u8 *)(((u64)p + RECORD_TAIL + load_u64(p + INPUT_OFF_DATA_LEN)) & ~7ULL);
        } else {
            /* NULL: never from the runtime */
            *slot = ctx->accounts + dup < slot ? ctx->accounts[dup] : NULL;
            p += INPUT_DUP_RECORD_SIZE;
        }
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
