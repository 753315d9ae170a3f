/* tests/guard/testcases/guard_open.c — opens argv[1] read-only, as another process
 * than the test (the guard allows its own process's opens at once).
 * Exits 0 when the open succeeded, 1 on EPERM (the guard's deny), 2 otherwise.
 * Test program, judged by the guard. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    if (argc != 2) return 2;
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == EPERM ? 1 : 2;
    close(fd);
    return 0;
}
