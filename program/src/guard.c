/* The guard language (see guard.h): one left-to-right pass over a postfix program. The bool
 * stack lives in the bits of one u64 (bit 0 is the top), so push, AND, OR and NOT are a few
 * ALU instructions; GUARD_MAX_DEPTH (16) bounds it. Validation and evaluation are the same
 * pass, so what guard_validate refuses, guard_evaluate fails closed on. */
#include "guard.h"

/* The pass's helpers are inlined into it (all but token_spent, see there): a call inside the
 * loop makes the compiler keep the pass's state (node, end, stack) in the registers a call
 * preserves, and leaves fewer for the nodes. */
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

/* The mask of the low `w` (0..8) bytes of a word. */
#define LOW_BYTES(w) ((w) >= 8 ? ~0ULL : (1ULL << (8 * (w))) - 1)
/* What a field of each width (the index) reads of a word, 0 for a width the node may not
 * have: for ARG one table load both checks the width and gives the mask. Measured against the
 * shifts and compares they replace: 2 CU less per ARG and per DISCRIMINATOR_IN evaluated.
 * volatile, or the compiler folds the loads back into those shifts and compares. */
#define ARG_READS(w) (((GUARD_ARG_WIDTHS_MASK >> (w)) & 1) ? LOW_BYTES(w) : 0)
#define PREFIX_READS(w) ((w) >= 1 ? LOW_BYTES(w) : 0)
_Static_assert(GUARD_ARG_MAX_WIDTH == 8 && GUARD_DISCRIMINATOR_MAX_WIDTH == 8, "the tables list widths 0..8");
static const volatile u64 ARG_READ_MASK[GUARD_ARG_MAX_WIDTH + 1] = {
    ARG_READS(0), ARG_READS(1), ARG_READS(2), ARG_READS(3), ARG_READS(4),
    ARG_READS(5), ARG_READS(6), ARG_READS(7), ARG_READS(8)};
static const volatile u64 PREFIX_READ_MASK[GUARD_DISCRIMINATOR_MAX_WIDTH + 1] = {
    PREFIX_READS(0), PREFIX_READS(1), PREFIX_READS(2), PREFIX_READS(3), PREFIX_READS(4),
    PREFIX_READS(5), PREFIX_READS(6), PREFIX_READS(7), PREFIX_READS(8)};

/* `width` (1..8) bytes at p, unsigned little-endian; `mask` is LOW_BYTES(width). On BPF one
 * word load, masked: the bytes past the field it also reads lie in the same input region
 * (the rest of the instruction data and the program id after it, or the session account's
 * data), which the VM maps readable; natively (the differential build, on caller buffers)
 * only the field's bytes. */
#if defined(__bpf__)
INLINE u64 load_le(const u8 *p, u64 width, u64 mask) { (void)width; return ld64(p) & mask; }
#else
INLINE u64 load_le(const u8 *p, u64 width, u64 mask) {
    (void)mask;
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

/* The keys run from `key` to the node's end (`next`, the node after it). */
INLINE bool program_in(const u8 *key, const u8 *next, const SolPubkey *program_id) {
    for (; key < next; key += GUARD_PROGRAM_IN_ENTRY_SIZE)
        if (key_at_eq(key, program_id)) return true;
    return false;
}

/* The prefixes run from `entry` to the node's end (`next`, the node after it): walked by
 * pointer, with no counter to keep (measured 1 CU less per prefix). */
INLINE bool discriminator_in(const u8 *entry, const u8 *next, u64 width, u64 mask, const GuardInput *in) {
    if (in->data_len < width) return false;
    u64 prefix = load_le(in->data, width, mask);
    for (; entry < next; entry += width)
        if (load_le(entry, width, mask) == prefix) return true;
    return false;
}

INLINE bool arg_holds(const u8 *node, u64 width, u64 mask, const GuardInput *in) {
    u64 offset = ld16(node + GUARD_ARG_OFF_OFFSET);
    if (offset + width > in->data_len) return false; /* offset <= u16 max: no overflow */
    u64 read = load_le(in->data + offset, width, mask);
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

/* Sum of the decreases recorded for the mint at `mint` (saturating: more than u64 is "too much").
 * Out of line: its loop needs every register, and inlined it made the pass reload its own
 * state from the stack at every node; the call costs TOKEN_AT_MOST 6 CU and saves the other
 * kinds 1 each (measured). */
__attribute__((noinline)) static u64 token_spent(const u8 *mint, const GuardInput *in) {
    u64 total = 0;
    for (u64 i = 0; i < in->token_spend_count; i++) {
        if (!key_at_eq(mint, &in->token_spends[i].mint)) continue;
        u64 next = total + in->token_spends[i].decrease;
        total = next < total ? ~0ULL : next;
    }
    return total;
}

/* RATE_LIMIT(n, seconds): the executions in the window once this one is counted
 * (guard_window_count) are at most n. That count is 1 in a window that restarts; otherwise
 * the stored count + 1, saturating at the u32 maximum, so it is at most n exactly when the
 * stored count is below n or n is that maximum: no count to compute. */
INLINE bool rate_holds(const GuardInput *in, u64 seconds, u64 n) {
    if (guard_window_restarts(in->window_start, in->now, seconds)) return n != 0;
    /* a window with room, the usual answer, first (the compiler tested n == max first) */
    if (__builtin_expect(in->window_count < n, 1)) return true;
    return n == GUARD_COUNT_MAX;
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

/* A pass answers in one word, its return value (no out-parameter to keep in a register
 * through the loop): PASS_BROKEN (0) when the guard breaks a rule, else PASS_FORMED, the bits
 * below and the RATE_LIMIT window's seconds (0: none) in the high half. The facts gather in
 * one local (`seen`) while the pass runs. */
#define PASS_BROKEN 0ULL
#define PASS_FORMED 1ULL
#define PASS_HOLDS 2ULL           /* the guard's value (without an input: every leaf false) */
#define FACT_NAMED 4ULL           /* some SIGNER_IS key is the caller */
#define FACT_OWNER_LEAF 8ULL      /* the guard has a SIGNER_IS_OWNER node */
#define FACT_SIGNER_LEAF 16ULL    /* the guard has a SIGNER_IS or SIGNER_IS_OWNER node */
#define FACT_CALLER_IS_OWNER 32ULL /* in->caller == in->owner (never without an input) */
#define PASS_SECONDS_SHIFT 32     /* RATE_LIMIT seconds are a u32 */

/* A broken rule is the cold path: told so, the compiler lays the nodes' code out for the
 * rules that hold (measured 1 CU less per node). */
#define broken(rule) __builtin_expect((rule) != 0, 0)

/* A node of `size` bytes at *node: moves *node past it and returns where it began, computed
 * back from the moved pointer. Opaque to the optimizer (the empty asm), the moved pointer is
 * the one the node's operands are read through, so one register holds the node and the one
 * after it (measured: the compiler otherwise keeps both, copies one into the other at every
 * node, and has a register less for the input). */
INLINE const u8 *opaque(const u8 *p) {
    __asm__("" : "+r"(p));
    return p;
}
INLINE const u8 *enter(const u8 **node, u64 size) {
    const u8 *next = opaque(*node + size);
    *node = next;
    return next - size;
}

/* The byte after the program (see run, below); no opcode is 0. */
#define PROGRAM_END 0
_Static_assert(GUARD_OP_SIGNER_IS > PROGRAM_END, "0 is not an opcode");

/* The pass shared by validation (in == NULL: leaves are false) and evaluation: each node is
 * sized, checked and (for a leaf) evaluated where the dispatch takes it. A leaf's answer is where it jumps
 * (`holds` or `fails`), not a bool: the tail after it then pushes a constant, and an AND
 * after it keeps the top (true) or clears it (false), with no value to materialize and mix
 * in (measured). `caller` (NULL: nobody) is who SIGNER_IS keys are compared with. Returns the
 * outcome word, PASS_BROKEN at the first broken rule.
 *
 * code[len] must be readable and zero (checked_run sees to it): the pass ends at that byte,
 * which no opcode is, so no node compares its pointer with the end to know whether there is
 * a node after it (measured 3 CU less per predicate, 1 at the loop and 1 before the fused
 * AND's opcode load, and more in validation; the program's end costs one trip through the
 * dispatch instead, about 6 CU once per pass). */
INLINE u64 run(const u8 *code, u64 len, const GuardInput *in, const SolPubkey *caller) {
    const u8 *node = code, *end = code + len;
    u64 stack = STACK_EMPTY;
    /* SIGNER_IS_OWNER's answer is the same at every node */
    u64 seen = in && key_at_eq(in->caller->x, in->owner) ? FACT_CALLER_IS_OWNER : 0;
    /* the RATE_LIMIT window: nonzero once one was seen (its seconds are never 0) */
    u64 rate_seconds = 0;
    if (len == 0) return seen | PASS_FORMED | PASS_HOLDS; /* the empty guard holds */
    for (;;) {
        /* n is this node; `node` moves past it before its leaf is evaluated */
        const u8 *n = node;
        u64 op = n[0];
        u64 count = 0, width = 0, mask = 0;
        const u8 *entries = NULL; /* PROGRAM_IN's keys, DISCRIMINATOR_IN's prefixes */
        /* The dispatch is a compare tree (SBPF v0 has no jump tables), split here by hand so
         * its shape does not hang on the compiler's switch lowering: the leaves up to
         * RATE_LIMIT (and the program's end) on one side; the heavier leaves and the
         * combinators on the other (an AND after a leaf, the usual join, is applied in the
         * leaf's tail and never comes here). Measured: against one switch for every kind, 1 CU
         * less per predicate evaluated; against the combinators told apart by a compare first,
         * every leaf 1-2 CU less and AND, OR, NOT 3 more each. */
        if (op <= GUARD_OP_RATE_LIMIT) {
            switch (op) {
            case GUARD_OP_SIGNER_IS:
                n = enter(&node, GUARD_SIGNER_IS_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (caller && key_at_eq(n + GUARD_SIGNER_IS_OFF_KEY, caller)) {
                    seen |= FACT_SIGNER_LEAF | FACT_NAMED;
                    if (in) goto holds;
                    goto fails;
                }
                seen |= FACT_SIGNER_LEAF;
                goto fails;
            case GUARD_OP_SIGNER_IS_OWNER:
                n = enter(&node, GUARD_SIGNER_IS_OWNER_SIZE); /* no operand: within len */
                seen |= FACT_SIGNER_LEAF | FACT_OWNER_LEAF;
                if (seen & FACT_CALLER_IS_OWNER) goto holds;
                goto fails;
            case GUARD_OP_NOT_BEFORE:
                n = enter(&node, GUARD_NOT_BEFORE_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && in->now >= (i64)ld64(n + GUARD_NOT_BEFORE_OFF_T)) goto holds;
                goto fails;
            case GUARD_OP_NOT_AFTER:
                n = enter(&node, GUARD_NOT_AFTER_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && in->now <= (i64)ld64(n + GUARD_NOT_AFTER_OFF_T)) goto holds;
                goto fails;
            case GUARD_OP_USAGE_AT_MOST:
                n = enter(&node, GUARD_USAGE_AT_MOST_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && in->usage_after <= ld64(n + GUARD_USAGE_AT_MOST_OFF_X)) goto holds;
                goto fails;
            case GUARD_OP_RATE_LIMIT:
                n = enter(&node, GUARD_RATE_LIMIT_SIZE);
                if (broken(node > end || rate_seconds != 0)) return PASS_BROKEN; /* one at most */
                rate_seconds = ld32(n + GUARD_RATE_LIMIT_OFF_SECONDS);
                if (broken(rate_seconds == 0)) return PASS_BROKEN;
                if (in && rate_holds(in, rate_seconds, ld32(n + GUARD_RATE_LIMIT_OFF_N))) goto holds;
                goto fails;
            case PROGRAM_END: /* the zero at code[len], or a 0 inside the program */
                if (broken(node != end)) return PASS_BROKEN; /* not an opcode */
                if (broken((stack >> 1) != STACK_EMPTY)) return PASS_BROKEN; /* final depth != 1 */
                return seen | rate_seconds << PASS_SECONDS_SHIFT | PASS_FORMED |
                       ((stack & 1) != 0 ? PASS_HOLDS : 0);
            default:
                return PASS_BROKEN; /* unknown opcode */
            }
        } else {
            switch (op) {
            case GUARD_OP_AND:
                if (broken(stack < STACK_HOLDS_TWO)) return PASS_BROKEN;
                stack = (stack >> 1) & (stack | ~1ULL); /* bit 0 becomes a && b */
                node = n + GUARD_AND_SIZE;
                continue;
            case GUARD_OP_OR:
                if (broken(stack < STACK_HOLDS_TWO)) return PASS_BROKEN;
                stack = (stack >> 1) | (stack & 1); /* bit 0 becomes a || b */
                node = n + GUARD_OR_SIZE;
                continue;
            case GUARD_OP_NOT:
                if (broken(stack < STACK_HOLDS_ONE)) return PASS_BROKEN;
                stack ^= 1;
                node = n + GUARD_NOT_SIZE;
                continue;
            case GUARD_OP_PROGRAM_IN:
                /* the count byte may lie past len, never past the code array's neighbours in the
                 * session account: one bounds check, on the whole node */
#if !defined(__bpf__)
                if (broken(n + GUARD_PROGRAM_IN_SIZE > end)) return PASS_BROKEN; /* natively: stay in the buffer */
#endif
                count = n[GUARD_PROGRAM_IN_OFF_COUNT];
                if (broken(count == 0 || count > GUARD_PROGRAM_IN_MAX_KEYS)) return PASS_BROKEN;
                entries = opaque(n + GUARD_PROGRAM_IN_SIZE);
                enter(&node, GUARD_PROGRAM_IN_SIZE + count * GUARD_PROGRAM_IN_ENTRY_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && program_in(entries, node, in->program_id)) goto holds;
                goto fails;
            case GUARD_OP_DISCRIMINATOR_IN:
                /* as PROGRAM_IN: the header bytes are read before the node's one bounds check */
#if !defined(__bpf__)
                if (broken(n + GUARD_DISCRIMINATOR_IN_SIZE > end)) return PASS_BROKEN; /* natively: stay in the buffer */
#endif
                width = n[GUARD_DISCRIMINATOR_IN_OFF_WIDTH];
                count = n[GUARD_DISCRIMINATOR_IN_OFF_COUNT];
                if (broken(width == 0 || width > GUARD_DISCRIMINATOR_MAX_WIDTH || count == 0))
                    return PASS_BROKEN;
                entries = opaque(n + GUARD_DISCRIMINATOR_IN_SIZE);
                enter(&node, GUARD_DISCRIMINATOR_IN_SIZE + width * count);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && discriminator_in(entries, node, width, PREFIX_READ_MASK[width], in)) goto holds;
                goto fails;
            case GUARD_OP_ARG:
                n = enter(&node, GUARD_ARG_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                width = n[GUARD_ARG_OFF_WIDTH];
                if (broken(width > GUARD_ARG_MAX_WIDTH)) return PASS_BROKEN;
                mask = ARG_READ_MASK[width];
                if (broken(mask == 0 || n[GUARD_ARG_OFF_CMP] > GUARD_CMP_LAST)) return PASS_BROKEN;
                if (in && arg_holds(n, width, mask, in)) goto holds;
                goto fails;
            case GUARD_OP_ACCOUNT_IS:
                n = enter(&node, GUARD_ACCOUNT_IS_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && account_is(n, in)) goto holds;
                goto fails;
            case GUARD_OP_LAMPORTS_AT_MOST:
                n = enter(&node, GUARD_LAMPORTS_AT_MOST_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && in->lamports_out <= ld64(n + GUARD_LAMPORTS_AT_MOST_OFF_X)) goto holds;
                goto fails;
            case GUARD_OP_TOKEN_AT_MOST:
                n = enter(&node, GUARD_TOKEN_AT_MOST_SIZE);
                if (broken(node > end)) return PASS_BROKEN;
                if (in && token_spent(n + GUARD_TOKEN_AT_MOST_OFF_MINT, in) <= ld64(n + GUARD_TOKEN_AT_MOST_OFF_X))
                    goto holds;
                goto fails;
            default:
                return PASS_BROKEN; /* unknown opcode */
            }
        }
        /* The two tails of a leaf. The depth-16 rule first: it holds even if an AND follows.
         * An AND right after a leaf (how predicates are joined, so the likely case: measured
         * 1 CU less per predicate in validation) is applied with the push, by the AND's own
         * rule (two operands: the top and this leaf), without another trip round the loop:
         * the top becomes top && leaf. */
    holds:
        if (broken(stack >= STACK_FULL)) return PASS_BROKEN;
        if (__builtin_expect(node[0] == GUARD_OP_AND, 1)) {
            if (broken(stack < STACK_HOLDS_ONE)) return PASS_BROKEN;
            node += GUARD_AND_SIZE; /* top && true: the top */
            continue;
        }
        stack = (stack << 1) | 1;
        continue;
    fails:
        if (broken(stack >= STACK_FULL)) return PASS_BROKEN;
        if (__builtin_expect(node[0] == GUARD_OP_AND, 1)) {
            if (broken(stack < STACK_HOLDS_ONE)) return PASS_BROKEN;
            stack &= ~1ULL; /* top && false: false */
            node += GUARD_AND_SIZE;
            continue;
        }
        stack <<= 1;
    }
}

/* The pass over a stored guard: the rules on the bytes around the program first (len within
 * the capacity, the rest zero), then run(), which needs a zero after the program: the zero
 * tail's first byte, or for a guard that fills the capacity a copy with one appended. */
INLINE u64 checked_run(const u8 *code, u64 len, const GuardInput *in, const SolPubkey *caller) {
    u8 whole[GUARD_CAPACITY + 1];
    if (len > GUARD_CAPACITY) return PASS_BROKEN;
    if (len == GUARD_CAPACITY) {
#if defined(__bpf__)
        sol_memcpy_(whole, code, GUARD_CAPACITY); /* inlined, a copy at alignment 1 goes byte by byte */
#else
        __builtin_memcpy(whole, code, GUARD_CAPACITY); /* the native build has no syscalls */
#endif
        whole[GUARD_CAPACITY] = 0;
        code = whole;
    } else if (!tail_is_zero(code, len)) {
        return PASS_BROKEN;
    }
    return run(code, len, in, caller);
}

/* The refusals, read from rodata (volatile: not folded back into constants): a constant
 * returned in place made the compiler set the result register before every check of every
 * node (measured: 2 CU less per predicate in guard_validate). */
static const volatile u64 INVALID_CONFIGURATION = ERR_INVALID_CONFIGURATION;
static const volatile u64 GUARD_MALFORMED = ERR_GUARD_MALFORMED;

u64 guard_validate(const u8 *code, u64 len) {
    if (checked_run(code, len, NULL, NULL) == PASS_BROKEN) return INVALID_CONFIGURATION;
    return 0;
}

u64 guard_evaluate(const u8 *code, u64 len, const GuardInput *in) {
    if (in == NULL) return ERR_GUARD_MALFORMED;
    u64 outcome = checked_run(code, len, in, in->caller);
    if (outcome == PASS_BROKEN) return ERR_GUARD_MALFORMED;
    return outcome & PASS_HOLDS ? 0 : ERR_GUARD_REJECTED;
}

/* Admission from a pass's outcome (see guard_admits); FACT_CALLER_IS_OWNER is the pass's
 * answer, or the caller's own compare when the pass had no input. */
INLINE bool admits_by(u64 outcome) {
    if (outcome & FACT_NAMED) return true;
    return (outcome & FACT_CALLER_IS_OWNER) && ((outcome & FACT_OWNER_LEAF) || !(outcome & FACT_SIGNER_LEAF));
}

u64 guard_execute(const u8 *code, u64 len, const GuardInput *in, u64 *window_seconds) {
    *window_seconds = 0;
    if (in == NULL) return ERR_GUARD_MALFORMED;
    u64 outcome = checked_run(code, len, in, in->caller);
    if (outcome == PASS_BROKEN) return GUARD_MALFORMED;
    /* the pass compared the caller with the owner already (SIGNER_IS_OWNER's answer): no
     * second compare here */
    if (!admits_by(outcome)) return ERR_CALLER_NOT_ADMITTED;
    *window_seconds = outcome >> PASS_SECONDS_SHIFT;
    return outcome & PASS_HOLDS ? 0 : ERR_GUARD_REJECTED;
}

u64 guard_inspect(const u8 *code, u64 len, GuardFacts *facts) {
    u64 outcome = checked_run(code, len, NULL, facts->caller);
    if (outcome == PASS_BROKEN) {
        facts->named = facts->owner_leaf = false;
        facts->admitted = false;         /* the fail-closed answers: nobody admitted, */
        facts->has_signer_leaf = true;   /* a signer, no window */
        facts->rate_window_seconds = 0;
        return ERR_GUARD_MALFORMED;
    }
    facts->named = (outcome & FACT_NAMED) != 0;
    facts->owner_leaf = (outcome & FACT_OWNER_LEAF) != 0;
    facts->has_signer_leaf = (outcome & FACT_SIGNER_LEAF) != 0;
    facts->rate_window_seconds = outcome >> PASS_SECONDS_SHIFT;
    /* the caller is compared with the owner only when no SIGNER_IS key named it */
    if (!facts->named && key_at_eq(facts->caller->x, facts->owner)) outcome |= FACT_CALLER_IS_OWNER;
    facts->admitted = admits_by(outcome);
    return 0;
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
