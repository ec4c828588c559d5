/* Entrypoint and dispatch: parse the loader's input, route on the 8-byte discriminator. */
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
    if (tag == IX_ACTIVATE_SESSION) return process_activate_session(&ctx);
    if (tag == IX_PAUSE_SESSION) return process_pause_session(&ctx);
    if (tag == IX_RESUME_SESSION) return process_resume_session(&ctx);
    if (tag == IX_CREATE_SESSION) return process_create_session(&ctx);
    if (tag == IX_REQUEST_SESSION) return process_request_session(&ctx);
    if (tag == IX_APPROVE_SESSION) return process_approve_session(&ctx);
    if (tag == IX_EXPIRE_SESSION) return process_expire_session(&ctx);
    if (tag == IX_CLOSE_SESSION) return process_close_session(&ctx);
    return fail(ERR_UNKNOWN_INSTRUCTION);
}
