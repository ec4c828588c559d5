/* -Werror turns the unused variable into a compile error. */
typedef unsigned long u64;

u64 entrypoint(const unsigned char *input) {
  u64 unused_variable = 3;
  return input[0];
}
