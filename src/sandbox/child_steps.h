// src/sandbox/child_steps.h — single isolation steps made of raw system calls
// (trusted side, but they run in the child between clone and exec, and in the
// probe's child: async-signal-safe, no allocation; each returns 0 or an errno value).
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>

namespace umd::sandbox::child {

/// Makes an empty, read-only tmpfs the root directory and the working directory
/// (needs CAP_SYS_ADMIN and CAP_SYS_CHROOT in a private mount namespace).
int enter_empty_root() noexcept;

/// Drops every capability from the bounding set (0..last_cap) and locks securebits.
int drop_bounding_set(int last_cap) noexcept;

/// No supplementary groups, then gid and uid (real, effective, saved).
int switch_ids(uid_t uid, gid_t gid) noexcept;

/// Clears the ambient set and the effective/permitted/inheritable sets.
int clear_capabilities() noexcept;

/// A Landlock domain that handles the given rights and has no rule (denies all of them).
/// `attr_size` is the size of the ruleset attribute the kernel's ABI knows.
int restrict_with_landlock(std::uint64_t fs, std::uint64_t net, std::uint64_t scoped, std::size_t attr_size) noexcept;

/// Loads a seccomp filter (no_new_privs must be set).
int load_seccomp(const sock_fprog* program) noexcept;

}  // namespace umd::sandbox::child
