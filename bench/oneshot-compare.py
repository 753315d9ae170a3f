#!/usr/bin/env python3
"""Two builds of `umd pgp verify` and gpgv as whole processes, in interleaved rounds.

For comparing a change's one-shot cost against the build before it on a noisy VM: each
round runs the three commands once, in turn, so drift in the machine's speed falls on all
three alike. Prints medians, p10 and p90, and the ratios of the medians.

  bench/oneshot-compare.py --before OLD/umd --after build/apps/umd/umd [--rounds 80]
"""
import argparse
import statistics
import subprocess
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the umd executable of the build before the change")
    parser.add_argument("--after", required=True, help="the umd executable of the change")
    parser.add_argument("--keyring", default="/usr/share/keyrings/debian-archive-keyring.gpg")
    parser.add_argument("--file", default="/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease")
    parser.add_argument("--rounds", type=int, default=80)
    args = parser.parse_args()
    commands = {
        "before": [args.before, "pgp", "verify", "--keyring", args.keyring, args.file],
        "after": [args.after, "pgp", "verify", "--keyring", args.keyring, args.file],
        "gpgv": ["gpgv", "--keyring", args.keyring, args.file],
    }
    for name, command in commands.items():   # each must say valid before it is timed
        if subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
            raise SystemExit(f"{name}: {' '.join(command)} did not exit 0")
    times = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append((time.perf_counter() - start) * 1000)
    median = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        ordered = sorted(t)
        print(f"{name:7} median {median[name]:.2f} ms  p10 {ordered[len(t) // 10]:.2f}  p90 {ordered[len(t) * 9 // 10]:.2f}")
    print(f"after/before {median['after'] / median['before']:.3f}  after/gpgv {median['after'] / median['gpgv']:.3f}  "
          f"before/gpgv {median['before'] / median['gpgv']:.3f}")


if __name__ == "__main__":
    main()
