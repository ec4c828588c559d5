#include "tsdk.h"

u64 main_helper(u64 x);

/* A static callee: with one .text per file the compiler resolves these calls
 * itself; with -ffunction-sections they become relocations against the
 * callee's section symbol. */
__attribute__((noinline)) static u64 lib_square(u64 x) { return x * x + 3; }

__attribute__((noinline)) u64 lib_twice(u64 x) { return lib_square(x) + lib_square(x + 1); }

__attribute__((noinline)) u64 lib_chain(u64 x) { return main_helper(lib_square(x) >> 3); }
