/* Compiled with -mcpu=v4, signed division is `div` with offset 1, which
 * SBPF v0 would execute as an unsigned division. */
typedef long i64;

i64 entrypoint(const i64 *p) { return p[0] / p[1]; }
