// apps/umdd/guard/file_identity.cpp — fstat of an event's file. Trusted side, privileged (umdd).
#include "apps/umdd/guard/file_identity.h"

#include <sys/stat.h>

#include <cerrno>

namespace umd::guard {

bool FileIdentity::same_content_as(const FileIdentity& other) const noexcept
{
    return same_file_as(other) && regular == other.regular && size == other.size &&
           mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec &&
           ctime.tv_sec == other.ctime.tv_sec && ctime.tv_nsec == other.ctime.tv_nsec;
}

Result<FileIdentity> identify(int fd)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail_errno(errno, "fstat of event descriptor {}", fd);
    FileIdentity id;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    id.regular = S_ISREG(st.st_mode);
    id.size = st.st_size;
    id.mtime = st.st_mtim;
    id.ctime = st.st_ctim;
    return id;
}

}  // namespace umd::guard
