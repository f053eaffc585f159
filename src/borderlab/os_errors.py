"""Operating-system errors are user errors: name the path, say what is wrong and the fix.

`cli.user_errors` sends every `OSError` a command raises (a folder that cannot be written,
a parent that is a file, a name too long, a full disk, a path under /proc …) through
`describe_os_error`, so the user gets one message and exit code 2, not a traceback.
"""

from __future__ import annotations

import errno
import os

_HINTS = {
    errno.EACCES: "you may not write or read there: choose a folder you own (e.g. under your home folder) or fix its permissions",
    errno.EPERM: "the operating system does not allow this here: choose another folder",
    errno.EROFS: "this file system is read-only: choose a folder on a writable disk",
    errno.ENOTDIR: "a part of this path is a file, not a folder: choose a path whose parents are folders",
    errno.EISDIR: "this is a folder where a file was expected: give a file name",
    errno.ENAMETOOLONG: "a name in this path is too long (most file systems allow 255 bytes per name): use a shorter name",
    errno.ENOENT: "it does not exist (or a folder above it does not): check the path",
    errno.ENOSPC: "the disk is full: free some space or choose a folder on another disk",
    errno.EDQUOT: "your disk quota is used up: free some space or choose a folder on another disk",
    errno.EEXIST: "something is already there: choose another name",
    errno.ENOTEMPTY: "the folder is not empty: choose another name",
    errno.EXDEV: "the path crosses file systems: choose a folder on the same disk",
    errno.ELOOP: "the path has a loop of symbolic links: check the path",
    errno.EMFILE: "too many open files: raise the limit (`ulimit -n`) or use fewer workers",
    errno.EBUSY: "it is in use by another program: try again, or choose another path",
    errno.EINVAL: "the operating system refuses this path (e.g. under /proc or /sys): choose an ordinary folder",
    errno.EIO: "the disk reported an input/output error: check the disk, or choose another folder",
}


def describe_os_error(exc: OSError) -> str:
    """'PATH: what went wrong\\n    hint: the fix' for an OSError."""
    where = " → ".join(os.fsdecode(p) for p in (exc.filename, exc.filename2) if p is not None)
    what = exc.strerror or str(exc) or type(exc).__name__
    hint = _HINTS.get(exc.errno or -1)
    if isinstance(exc, TimeoutError) and not hint:
        hint = "an operation timed out: check that the machine or service it waited for is reachable, then retry"
    text = f"{where}: {what}" if where else what
    return text + f"\n    hint: {hint or 'check the path and its permissions, then retry'}"
