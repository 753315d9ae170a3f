/* tests/guard/testcases/guard_lib.c — a shared library the exec guard tests copy
 * onto their tmpfs next to guard_prog, so that ld.so opens it there (FAN_OPEN_PERM).
 * Test program, outside the trust boundary: it is what the guard judges. */
int umd_guard_test_value(void) { return 42; }
