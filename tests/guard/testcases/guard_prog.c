/* tests/guard/testcases/guard_prog.c — a program linked with guard_lib through
 * rpath $ORIGIN: it starts only when the guard lets ld.so open the library beside
 * it. Exits 0 when the library answered. Test program, judged by the guard. */
int umd_guard_test_value(void);
int main(void) { return umd_guard_test_value() == 42 ? 0 : 1; }
