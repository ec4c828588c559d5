/* execute's effect checks. Spend is measured from balances before and after each CPI, never
 * by parsing the callee's instruction (parsed limits were bypassed by instruction variants
 * elsewhere): the signer's lamports, and the amount of every writable SPL token account the
 * signer owns or is delegate of. Authority fields are frozen, because Assign, SetAuthority
 * and Approve hand an account away without moving anything in the same transaction. */
#include "execute.h"

static const SolPubkey TOKEN_PROGRAM = TOKEN_PROGRAM_ID;
static const SolPubkey TOKEN_2022_PROGRAM = TOKEN_2022_PROGRAM_ID;

/* authorities[] word ranges (u32 words): mint, owner, delegate COption, close COption */
#define MINT_OWNER_WORDS 16
#define DELEGATE_WORD 16
#define COPTION_WORDS 9
#define CLOSE_WORD (DELEGATE_WORD + COPTION_WORDS)
_Static_assert(TOKEN_OFF_MINT == 0 && TOKEN_OFF_OWNER == 32, "mint and owner are contiguous");
_Static_assert(TOKEN_COPTION_KEY_SIZE == 4 * COPTION_WORDS, "a COption<Pubkey> is 9 words");
_Static_assert(CLOSE_WORD + COPTION_WORDS == AUTHORITY_WORDS, "every authority word is kept");

static const SolPubkey *token_program_of(u8 *a) {
    if (key_eq(acc_owner(a), &TOKEN_PROGRAM)) return &TOKEN_PROGRAM;
    if (key_eq(acc_owner(a), &TOKEN_2022_PROGRAM)) return &TOKEN_2022_PROGRAM;
    return NULL;
}

/* An initialized token account: 165 bytes, or a longer Token-2022 account whose type byte
 * says Account (a Token-2022 mint with extensions is as long, with type Mint). */
static bool is_token_account(u8 *a, const SolPubkey *program) {
    u64 len = acc_data_len(a);
    const u8 *d = acc_data(a);
    if (len < TOKEN_ACCOUNT_SIZE) return false;
    if (len > TOKEN_ACCOUNT_SIZE &&
        (program != &TOKEN_2022_PROGRAM || d[TOKEN_OFF_ACCOUNT_TYPE] != TOKEN_ACCOUNT_TYPE_ACCOUNT))
        return false;
    return d[TOKEN_OFF_STATE] != TOKEN_STATE_UNINITIALIZED;
}

/* COption<Pubkey> at `at` is Some(key): tag 1, then the key (unaligned; the VM permits it). */
static bool coption_is(const u8 *d, u64 at, const SolPubkey *key) {
    return load_u32(d + at) == 1 && key_eq((const SolPubkey *)(d + at + 4), key);
}

static void read_authorities(const u8 *d, u32 *words) {
    for (u64 i = 0; i < MINT_OWNER_WORDS; i++) words[i] = load_u32(d + TOKEN_OFF_MINT + 4 * i);
    for (u64 i = 0; i < COPTION_WORDS; i++) {
        words[DELEGATE_WORD + i] = load_u32(d + TOKEN_OFF_DELEGATE + 4 * i);
        words[CLOSE_WORD + i] = load_u32(d + TOKEN_OFF_CLOSE_AUTHORITY + 4 * i);
    }
}

static bool snapshotted(const Snapshot *s, const u8 *a) {
    for (u64 i = 0; i < s->token_count; i++)
        if (s->tokens[i].account == a) return true;
    return false;
}

void begin_snapshot(Snapshot *out, u8 *signer) {
    out->signer = signer;
    out->lamports = *acc_lamports(signer);
    out->token_count = 0;
}

u64 snapshot_token_account(Snapshot *s, u8 *a) {
    const SolPubkey *program = token_program_of(a);
    if (program == NULL || !is_token_account(a, program) || snapshotted(s, a)) return 0;
    const u8 *d = acc_data(a);
    const SolPubkey *signer_key = acc_key(s->signer);
    if (!key_eq((const SolPubkey *)(d + TOKEN_OFF_OWNER), signer_key) &&
        !coption_is(d, TOKEN_OFF_DELEGATE, signer_key))
        return 0;
    if (s->token_count == MAX_TOKEN_SNAPSHOTS) return fail(ERR_TOO_MANY_ACCOUNTS);
    TokenSnapshot *t = &s->tokens[s->token_count++];
    t->account = a;
    t->program = program;
    t->amount = load_u64(d + TOKEN_OFF_AMOUNT);
    t->delegated_amount = load_u64(d + TOKEN_OFF_DELEGATED_AMOUNT);
    read_authorities(d, t->authorities);
    return 0;
}

static bool words_equal(const u32 *a, const u32 *b, u64 n) {
    u32 diff = 0;
    for (u64 i = 0; i < n; i++) diff |= a[i] ^ b[i];
    return diff == 0;
}

/* The frozen fields still hold. The one change allowed to the delegate is SPL's own: a
 * transfer that spends the whole allowance clears the delegate (tag 0, allowance 0). */
static bool authorities_kept(const TokenSnapshot *t) {
    u8 *a = t->account;
    if (token_program_of(a) != t->program || !is_token_account(a, t->program)) return false;
    const u8 *d = acc_data(a);
    u32 now[AUTHORITY_WORDS];
    read_authorities(d, now);
    u64 delegated = load_u64(d + TOKEN_OFF_DELEGATED_AMOUNT);
    if (!words_equal(now, t->authorities, MINT_OWNER_WORDS) ||
        !words_equal(now + CLOSE_WORD, t->authorities + CLOSE_WORD, COPTION_WORDS))
        return false;
    bool same_delegate = words_equal(now + DELEGATE_WORD, t->authorities + DELEGATE_WORD, COPTION_WORDS);
    bool allowance_spent = now[DELEGATE_WORD] == 0 && delegated == 0;
    if (!same_delegate && !allowance_spent) return false;
    return delegated <= t->delegated_amount;
}

static u64 add_token_spend(Spend *spend, const u8 *mint, u64 decrease) {
    for (u64 i = 0; i < spend->mint_count; i++) {
        if (key_eq(&spend->mints[i].mint, (const SolPubkey *)mint)) {
            if (spend->mints[i].decrease > ~0ULL - decrease) return fail(ERR_ARITHMETIC_OVERFLOW);
            spend->mints[i].decrease += decrease;
            return 0;
        }
    }
    if (spend->mint_count == MAX_TOKEN_SNAPSHOTS) return fail(ERR_TOO_MANY_ACCOUNTS);
    GuardTokenSpend *m = &spend->mints[spend->mint_count++];
    key_copy(m->mint.x, (const SolPubkey *)mint);
    m->decrease = decrease;
    return 0;
}

/* Inlined into execute's CPI loop, its one caller (measured 5 CU less than the call). */
__attribute__((always_inline)) u64 check_effects(const Snapshot *s, Spend *spend) {
    u8 *signer = s->signer;
    if (!key_is_zero(acc_owner(signer)) || acc_data_len(signer) != 0) return fail(ERR_SIGNER_ESCAPED);
    u64 lamports = *acc_lamports(signer);
    if (lamports < s->lamports) {
        u64 out = s->lamports - lamports;
        if (spend->lamports_out > ~0ULL - out) return fail(ERR_ARITHMETIC_OVERFLOW);
        spend->lamports_out += out;
    }
    for (u64 i = 0; i < s->token_count; i++) {
        const TokenSnapshot *t = &s->tokens[i];
        if (!authorities_kept(t)) return fail(ERR_AUTHORITY_CHANGED);
        u64 amount = load_u64(acc_data(t->account) + TOKEN_OFF_AMOUNT);
        if (amount < t->amount) {
            u64 err = add_token_spend(spend, acc_data(t->account) + TOKEN_OFF_MINT, t->amount - amount);
            if (err) return err;
        }
    }
    return 0;
}
