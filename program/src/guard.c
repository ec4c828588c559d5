/* The guard language (see guard.h): one left-to-right pass over a postfix program. The bool
 * stack lives in the bits of one u64 (bit 0 is the top), so push, AND, OR and NOT are a few
 * ALU instructions; GUARD_MAX_DEPTH (16) bounds it. Validation and evaluation are the same
 * pass, so what guard_validate refuses, guard_evaluate fails closed on. */
#include "guard.h"

#define BROKEN_RULE 1
/* The pass's helpers are inlined into it: a call inside the loop would make the compiler
 * spill the pass's state (node, end, stack, input) to the stack around it, every node. */
#define INLINE static inline __attribute__((always_inline))

/* Operands sit at any byte offset of the code. The SBF VM loads from any address, so on BPF
 * one load reads a word (upstream BPF expands a 1-aligned 8-byte load into 22 instructions);
 * elsewhere (the native differential build) memcpy keeps the C defined. */
#if defined(__bpf__)
typedef u16 __attribute__((may_alias)) guard_u16;
typedef u32 __attribute__((may_alias)) guard_u32;
typedef u64 __attribute__((may_alias)) guard_u64;
INLINE u64 ld16(const u8 *p) { return *(const guard_u16 *)p; }
INLINE u64 ld32(const u8 *p) { return *(const guard_u32 *)p; }
INLINE u64 ld64(const u8 *p) { return *(const guard_u64 *)p; }
#else
INLINE u64 ld16(const u8 *p) { u16 v; __builtin_memcpy(&v, p, sizeof v); return v; }
INLINE u64 ld32(const u8 *p) { u32 v; __builtin_memcpy(&v, p, sizeof v); return v; }
INLINE u64 ld64(const u8 *p) { u64 v; __builtin_memcpy(&v, p, sizeof v); return v; }
#endif

/* The low `width` (1..8) bytes of a word. */
INLINE u64 low_bytes(u64 v, u64 width) { return width >= 8 ? v : v & ((1ULL << (8 * width)) - 1); }

/* `width` (1..8) bytes at p, unsigned little-endian. On BPF one word load, masked: the bytes
 * past the field it also reads lie in the same input region (the rest of the instruction
 * data and the program id after it, or the session account's data), which the VM maps
 * readable; natively (the differential build, on caller buffers) only the field's bytes. */
#if defined(__bpf__)
INLINE u64 load_le(const u8 *p, u64 width) { return low_bytes(ld64(p), width); }
#else
INLINE u64 load_le(const u8 *p, u64 width) {
    if (width == 1) return p[0];
    if (width == 8) return ld64(p);
    if (width == 4) return ld32(p);
    if (width == 2) return ld16(p);
    u64 v = 0;
    for (u64 i = width; i > 0; i--) v = (v << 8) | p[i - 1];
    return v;
}
#endif

/* The 32-byte key at p (any alignment) equals k. */
INLINE bool key_at_eq(const u8 *p, const SolPubkey *k) {
    const u8 *q = k->x;
    return ld64(p) == ld64(q) && ld64(p + 8) == ld64(q + 8) && ld64(p + 16) == ld64(q + 16) &&
           ld64(p + 24) == ld64(q + 24);
}

INLINE bool program_in(const u8 *node, u64 count, const SolPubkey *program_id) {
    const u8 *key = node + GUARD_PROGRAM_IN_SIZE;
    for (u64 i = 0; i < count; i++, key += GUARD_PROGRAM_IN_ENTRY_SIZE)
        if (key_at_eq(key, program_id)) return true;
    return false;
}

/* The prefixes run from the header to the node's end (`next`, the node after it): walked by
 * pointer, with no counter to keep (measured 1 CU less per prefix). */
INLINE bool discriminator_in(const u8 *node, const u8 *next, u64 width, const GuardInput *in) {
    if (in->data_len < width) return false;
    u64 prefix = load_le(in->data, width);
    for (const u8 *entry = node + GUARD_DISCRIMINATOR_IN_SIZE; entry < next; entry += width)
        if (load_le(entry, width) == prefix) return true;
    return false;
}

INLINE bool arg_holds(const u8 *node, u64 width, const GuardInput *in) {
    u64 offset = ld16(node + GUARD_ARG_OFF_OFFSET);
    if (offset + width > in->data_len) return false; /* offset <= u16 max: no overflow */
    u64 read = load_le(in->data + offset, width);
    u64 value = ld64(node + GUARD_ARG_OFF_VALUE);
    switch (node[GUARD_ARG_OFF_CMP]) {
    case GUARD_CMP_EQ: return read == value;
    case GUARD_CMP_NE: return read != value;
    case GUARD_CMP_LT: return read < value;
    case GUARD_CMP_LE: return read <= value;
    case GUARD_CMP_GT: return read > value;
    default: return read >= value; /* GUARD_CMP_GE: the pass refused anything above it */
    }
}

INLINE bool account_is(const u8 *node, const GuardInput *in) {
    u64 index = node[GUARD_ACCOUNT_IS_OFF_INDEX];
    return index < in->account_count && key_at_eq(node + GUARD_ACCOUNT_IS_OFF_KEY, in->account_keys[index]);
}

/* Sum of the decreases recorded for the mint at `mint` (saturating: more than u64 is "too much"). */
INLINE u64 token_spent(const u8 *mint, const GuardInput *in) {
    u64 total = 0;
    for (u64 i = 0; i < in->token_spend_count; i++) {
        if (!key_at_eq(mint, &in->token_spends[i].mint)) continue;
        u64 next = total + in->token_spends[i].decrease;
        total = next < total ? ~0ULL : next;
    }
    return total;
}

/* code[len..GUARD_CAPACITY) is all zero. */
static bool tail_is_zero(const u8 *code, u64 len) {
    static const u8 ZERO[GUARD_CAPACITY] = {0};
    if (len == GUARD_CAPACITY) return true;
    i32 difference = 0;
    sol_memcmp_(code + len, ZERO, GUARD_CAPACITY - len, &difference);
    return difference == 0;
}

/* The bool stack is one word: a sentinel bit above the bools, bit 0 the top. Depth d holds
 * [2^d, 2^(d+1)), so the stack rules are compares and push / AND / OR / NOT are ALU ops. */
#define STACK_EMPTY 1ULL
#define STACK_HOLDS_ONE (STACK_EMPTY << 1)
#define STACK_HOLDS_TWO (STACK_EMPTY << 2)
#define STACK_FULL (STACK_EMPTY << GUARD_MAX_DEPTH)

/* The signer facts the pass gathers (GuardFacts' named, owner_leaf, has_signer_leaf), as bits
 * of one local: three booleans kept apart spilled to the stack at every signer node. */
#define FACT_NAMED 1ULL
#define FACT_OWNER_LEAF 2ULL
#define FACT_SIGNER_LEAF 4ULL

/* The pass shared by validation (in == NULL: leaves are false) and evaluation: each node is
 * sized, checked and (for a leaf) evaluated by one switch. A leaf's answer is where it jumps
 * (`holds` or `fails`), not a bool: the tail after it then pushes a constant, and an AND
 * after it keeps the top (true) or clears it (false), with no value to materialize and mix
 * in (measured). Returns 0 with *holds set, or BROKEN_RULE at the first broken rule. */
INLINE u64 run(const u8 *code, u64 len, const GuardInput *in, GuardFacts *facts, bool *holds) {
    /* the tail first: no call after the loop keeps the pass's state in registers */
    if (len > GUARD_CAPACITY || !tail_is_zero(code, len)) return BROKEN_RULE;
    const u8 *node = code, *end = code + len;
    u64 stack = STACK_EMPTY;
    u64 signer_facts = 0;
    /* the RATE_LIMIT window: nonzero once one was seen (its seconds are never 0) */
    u64 rate_seconds = 0;
    /* SIGNER_IS_OWNER's answer is the same at every node */
    bool caller_is_owner = in && key_at_eq(in->caller->x, in->owner);
    while (node < end) {
        /* n is this node; `node` moves past it before its leaf is evaluated */
        const u8 *n = node;
        u64 op = n[0];
        /* the combinators out of the leaves' switch, told apart by one compare: an AND after
         * a leaf (the usual join) is applied with the leaf's push, so the loop mostly starts
         * at leaves */
        if (op >= GUARD_OP_AND) {
            if (op == GUARD_OP_AND) {
                if (stack < STACK_HOLDS_TWO) return BROKEN_RULE;
                stack = (stack >> 1) & (stack | ~1ULL); /* bit 0 becomes a && b */
                node = n + GUARD_AND_SIZE;
            } else if (op == GUARD_OP_OR) {
                if (stack < STACK_HOLDS_TWO) return BROKEN_RULE;
                stack = (stack >> 1) | (stack & 1); /* bit 0 becomes a || b */
                node = n + GUARD_OR_SIZE;
            } else if (op == GUARD_OP_NOT) {
                if (stack < STACK_HOLDS_ONE) return BROKEN_RULE;
                stack ^= 1;
                node = n + GUARD_NOT_SIZE;
            } else {
                return BROKEN_RULE; /* unknown opcode */
            }
            continue;
        }
        u64 size = 0, count = 0, width = 0;
        switch (op) {
        case GUARD_OP_SIGNER_IS:
            size = GUARD_SIGNER_IS_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            /* execute's pass asks both for the same caller: one compare */
            if ((in || facts) && key_at_eq(n + GUARD_SIGNER_IS_OFF_KEY, in ? in->caller : facts->caller)) {
                signer_facts |= FACT_SIGNER_LEAF | FACT_NAMED;
                if (in) goto holds;
                goto fails;
            }
            signer_facts |= FACT_SIGNER_LEAF;
            goto fails;
        case GUARD_OP_SIGNER_IS_OWNER:
            size = GUARD_SIGNER_IS_OWNER_SIZE;
            node = n + size;
            signer_facts |= FACT_SIGNER_LEAF | FACT_OWNER_LEAF;
            if (caller_is_owner) goto holds;
            goto fails;
        case GUARD_OP_NOT_BEFORE:
            size = GUARD_NOT_BEFORE_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && in->now >= (i64)ld64(n + GUARD_NOT_BEFORE_OFF_T)) goto holds;
            goto fails;
        case GUARD_OP_NOT_AFTER:
            size = GUARD_NOT_AFTER_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && in->now <= (i64)ld64(n + GUARD_NOT_AFTER_OFF_T)) goto holds;
            goto fails;
        case GUARD_OP_USAGE_AT_MOST:
            size = GUARD_USAGE_AT_MOST_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && in->usage_after <= ld64(n + GUARD_USAGE_AT_MOST_OFF_X)) goto holds;
            goto fails;
        case GUARD_OP_RATE_LIMIT:
            size = GUARD_RATE_LIMIT_SIZE;
            if (n + size > end || rate_seconds != 0) return BROKEN_RULE; /* one at most */
            rate_seconds = ld32(n + GUARD_RATE_LIMIT_OFF_SECONDS);
            if (rate_seconds == 0) return BROKEN_RULE;
            node = n + size;
            if (in && guard_window_count(in->window_start, in->window_count, in->now, rate_seconds) <=
                          ld32(n + GUARD_RATE_LIMIT_OFF_N))
                goto holds;
            goto fails;
        case GUARD_OP_PROGRAM_IN:
            /* the count byte may lie past len, never past the code array's neighbours in the
             * session account: one bounds check, on the whole node */
#if !defined(__bpf__)
            if (n + GUARD_PROGRAM_IN_SIZE > end) return BROKEN_RULE; /* natively: stay in the buffer */
#endif
            count = n[GUARD_PROGRAM_IN_OFF_COUNT];
            if (count == 0 || count > GUARD_PROGRAM_IN_MAX_KEYS) return BROKEN_RULE;
            size = GUARD_PROGRAM_IN_SIZE + count * GUARD_PROGRAM_IN_ENTRY_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && program_in(n, count, in->program_id)) goto holds;
            goto fails;
        case GUARD_OP_DISCRIMINATOR_IN:
            /* as PROGRAM_IN: the header bytes are read before the node's one bounds check */
#if !defined(__bpf__)
            if (n + GUARD_DISCRIMINATOR_IN_SIZE > end) return BROKEN_RULE; /* natively: stay in the buffer */
#endif
            width = n[GUARD_DISCRIMINATOR_IN_OFF_WIDTH];
            count = n[GUARD_DISCRIMINATOR_IN_OFF_COUNT];
            if (width == 0 || width > GUARD_DISCRIMINATOR_MAX_WIDTH || count == 0) return BROKEN_RULE;
            size = GUARD_DISCRIMINATOR_IN_SIZE + width * count;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && discriminator_in(n, node, width, in)) goto holds;
            goto fails;
        case GUARD_OP_ARG:
            size = GUARD_ARG_SIZE;
            if (n + size > end) return BROKEN_RULE;
            width = n[GUARD_ARG_OFF_WIDTH];
            if (width > GUARD_ARG_MAX_WIDTH || !((GUARD_ARG_WIDTHS_MASK >> width) & 1)) return BROKEN_RULE;
            if (n[GUARD_ARG_OFF_CMP] > GUARD_CMP_LAST) return BROKEN_RULE;
            node = n + size;
            if (in && arg_holds(n, width, in)) goto holds;
            goto fails;
        case GUARD_OP_ACCOUNT_IS:
            size = GUARD_ACCOUNT_IS_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && account_is(n, in)) goto holds;
            goto fails;
        case GUARD_OP_LAMPORTS_AT_MOST:
            size = GUARD_LAMPORTS_AT_MOST_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && in->lamports_out <= ld64(n + GUARD_LAMPORTS_AT_MOST_OFF_X)) goto holds;
            goto fails;
        case GUARD_OP_TOKEN_AT_MOST:
            size = GUARD_TOKEN_AT_MOST_SIZE;
            if (n + size > end) return BROKEN_RULE;
            node = n + size;
            if (in && token_spent(n + GUARD_TOKEN_AT_MOST_OFF_MINT, in) <= ld64(n + GUARD_TOKEN_AT_MOST_OFF_X))
                goto holds;
            goto fails;
        default:
            return BROKEN_RULE; /* unknown opcode */
        }
        /* The two tails of a leaf. The depth-16 rule first: it holds even if an AND follows.
         * An AND right after a leaf (how predicates are joined) is applied with the push, by
         * the AND's own rule (two operands: the top and this leaf), without another trip round
         * the loop: the top becomes top && leaf. */
    holds:
        if (stack >= STACK_FULL) return BROKEN_RULE;
        if (node < end && node[0] == GUARD_OP_AND) {
            if (stack < STACK_HOLDS_ONE) return BROKEN_RULE;
            node += GUARD_AND_SIZE; /* top && true: the top */
            continue;
        }
        stack = (stack << 1) | 1;
        continue;
    fails:
        if (stack >= STACK_FULL) return BROKEN_RULE;
        if (node < end && node[0] == GUARD_OP_AND) {
            if (stack < STACK_HOLDS_ONE) return BROKEN_RULE;
            stack &= ~1ULL; /* top && false: false */
            node += GUARD_AND_SIZE;
            continue;
        }
        stack <<= 1;
    }
    if (len != 0 && (stack >> 1) != STACK_EMPTY) return BROKEN_RULE; /* final depth != 1 */
    *holds = len == 0 || (stack & 1) != 0;
    if (facts) {
        facts->named = (signer_facts & FACT_NAMED) != 0;
        facts->owner_leaf = (signer_facts & FACT_OWNER_LEAF) != 0;
        facts->has_signer_leaf = (signer_facts & FACT_SIGNER_LEAF) != 0;
        facts->rate_window_seconds = rate_seconds;
    }
    return 0;
}

u64 guard_validate(const u8 *code, u64 len) {
    bool holds = false;
    return run(code, len, NULL, NULL, &holds) ? ERR_INVALID_CONFIGURATION : 0;
}

u64 guard_evaluate(const u8 *code, u64 len, const GuardInput *in) {
    bool holds = false;
    if (in == NULL) return ERR_GUARD_MALFORMED; /* and the inlined pass drops its NULL tests */
    if (run(code, len, in, NULL, &holds)) return ERR_GUARD_MALFORMED;
    return holds ? 0 : ERR_GUARD_REJECTED;
}

/* Admission from the pass's facts (see guard_admits). */
INLINE bool facts_admit(const GuardFacts *f) {
    return f->named || (key_at_eq(f->caller->x, f->owner) && (f->owner_leaf || !f->has_signer_leaf));
}

u64 guard_execute(const u8 *code, u64 len, const GuardInput *in, u64 *window_seconds) {
    *window_seconds = 0;
    if (in == NULL) return ERR_GUARD_MALFORMED; /* and the inlined pass drops its NULL tests */
    GuardFacts facts = {.caller = in->caller, .owner = in->owner};
    facts.named = facts.owner_leaf = facts.has_signer_leaf = false;
    facts.rate_window_seconds = 0;
    bool holds = false;
    if (run(code, len, in, &facts, &holds)) return ERR_GUARD_MALFORMED;
    if (!facts_admit(&facts)) return ERR_CALLER_NOT_ADMITTED;
    *window_seconds = facts.rate_window_seconds;
    return holds ? 0 : ERR_GUARD_REJECTED;
}

u64 guard_inspect(const u8 *code, u64 len, GuardFacts *facts) {
    facts->named = facts->owner_leaf = facts->has_signer_leaf = false;
    facts->rate_window_seconds = 0;
    bool holds = false;
    u64 broken = run(code, len, NULL, facts, &holds);
    facts->admitted = !broken && facts_admit(facts);
    if (!broken) return 0;
    facts->has_signer_leaf = true; /* the fail-closed answers: nobody admitted, no window */
    facts->rate_window_seconds = 0;
    return ERR_GUARD_MALFORMED;
}

bool guard_admits(const u8 *code, u64 len, const SolPubkey *caller, const SolPubkey *owner) {
    GuardFacts facts = {.caller = caller, .owner = owner};
    guard_inspect(code, len, &facts);
    return facts.admitted;
}

u64 guard_rate_window_seconds(const u8 *code, u64 len) {
    SolPubkey nobody = {{0}};
    GuardFacts facts = {.caller = &nobody, .owner = &nobody};
    guard_inspect(code, len, &facts);
    return facts.rate_window_seconds;
}

bool guard_has_signer_leaf(const u8 *code, u64 len) {
    SolPubkey nobody = {{0}};
    GuardFacts facts = {.caller = &nobody, .owner = &nobody};
    guard_inspect(code, len, &facts);
    return facts.has_signer_leaf;
}
