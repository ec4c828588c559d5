/* Entrypoint and dispatch: parse the loader's input, route on the 8-byte discriminator
 * through the generated table (sessions_dispatch.h), checking the data size and account
 * count it declares before the handler runs. */
#include "program.h"

void parse_input(u8 *input, Context *ctx) {
    u64 n = load_u64(input);
    u8 *p = input + 8;
    ctx->n_accounts = n;
    for (u64 i = 0; i < n; i++) {
        u8 dup = *p;
        u8 *record = p;
        if (dup == INPUT_DUP_NONE) {
            u64 data_len = load_u64(p + INPUT_OFF_DATA_LEN);
            p += INPUT_OFF_DATA + data_len + MAX_PERMITTED_DATA_INCREASE;
            p = (u8 *)(((u64)p + 7) & ~7ULL);
            p += 8; /* rent_epoch */
        } else {
            record = dup < MAX_ACCOUNTS ? ctx->accounts[dup] : NULL;
            p += INPUT_DUP_RECORD_SIZE;
        }
        if (i < MAX_ACCOUNTS) ctx->accounts[i] = record;
    }
    ctx->data_len = load_u64(p);
    ctx->data = p + 8;
    ctx->program_id = (const SolPubkey *)(p + 8 + ctx->data_len);
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
