/* Upstream BPF at -mcpu=v2 has no signed division: a compile error. */
typedef long i64;

i64 entrypoint(const i64 *p) { return p[0] / p[1]; }
