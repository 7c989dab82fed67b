"""A seccomp filter that keeps a sandbox's processes from making new user namespaces, whoever started it.

Without it, the unprivileged uid a sandbox runs as could ``unshare -r`` and be
root in a namespace of its own: mount a tmpfs (memory outside every bound),
build its own sandbox inside. The filter (classic BPF, handed to bwrap's
``--seccomp``) fails with EPERM: ``unshare`` and ``clone`` with CLONE_NEWUSER,
and ``setns``; ``clone3`` fails with ENOSYS (its flags sit behind a pointer the
filter cannot read), so the C library falls back to ``clone``, which is
checked. System calls of another ABI than the machine's (i386 or x32 on
x86-64) fail with EPERM, so the check cannot be sidestepped through them.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

CLONE_NEWUSER = 0x10000000
# arch (AUDIT_ARCH_*), then the numbers of clone, unshare, setns and clone3, for each machine supported.
MACHINES = {
    "x86_64": (0xC000003E, 56, 272, 308, 435),
    "aarch64": (0xC00000B7, 220, 97, 268, 435),
}
X32_BIT = 0x40000000
LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
ALLOW = 0x7FFF0000
ERRNO = 0x00050000
NR, ARCH, ARG0 = 0, 4, 16  # offsets in struct seccomp_data (arg0's low 32 bits on a little-endian machine)


def problem() -> str | None:
    """Why the filter cannot be built for this machine (None when it can)."""
    return None if platform.machine() in MACHINES else f"no seccomp filter for {platform.machine()} machines"


def program() -> bytes:
    """The filter as bwrap reads it: an array of ``struct sock_filter``."""
    arch, clone, unshare, setns, clone3 = MACHINES[platform.machine()]
    eperm, enosys = ERRNO | errno.EPERM, ERRNO | errno.ENOSYS
    instructions = [
        (LD_W_ABS, 0, 0, ARCH),
        (JEQ, 1, 0, arch),                     # the machine's own ABI: go on
        (RET, 0, 0, eperm),
        (LD_W_ABS, 0, 0, NR),
        (JGE, 0, 1, X32_BIT),                  # x32 system calls
        (RET, 0, 0, eperm),
        (JEQ, 0, 1, clone3),
        (RET, 0, 0, enosys),
        (JEQ, 0, 1, setns),
        (RET, 0, 0, eperm),
        (JEQ, 1, 0, clone),
        (JEQ, 0, 3, unshare),
        (LD_W_ABS, 0, 0, ARG0),
        (JSET, 0, 1, CLONE_NEWUSER),
        (RET, 0, 0, eperm),
        (RET, 0, 0, ALLOW),
    ]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in instructions)


def program_fd() -> int:
    """A memory file holding the filter, positioned at its start (bwrap reads it from there)."""
    fd = os.memfd_create("lbi-sandbox-seccomp")
    os.write(fd, program())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
