"""One process at a time per vault: OS advisory locks on the vault folder and ``vault.lock``.

The locks die with the process, so a crash never leaves a vault that refuses to open. The lock
file itself is never deleted by us (deleting lock files races with the next opener) and holds
no data.

Deleting ``vault.lock`` while it is held used to let a second writer in: the next opener made
a new file and locked that. Two defences now:

- on POSIX the vault *folder* is locked too (``flock`` on a descriptor of the folder), which
  no file deletion inside it can undo;
- after locking ``vault.lock`` the opener checks that the path still names the file it locked
  (same device and inode); a file replaced in between is refused.

On Windows a file that is open cannot be deleted (Python opens without FILE_SHARE_DELETE),
so the byte-range lock on ``vault.lock`` is enough there. A file system without folder locks
(some network shares) falls back to the file lock alone.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from fieldapp.errors import VaultInUse, storage_error

_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, getattr(errno, "EDEADLK", errno.EAGAIN)}


class VaultLock:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._dir_fd: int | None = None

    def acquire(self) -> None:
        dir_fd = _lock_folder(self.path.parent)
        try:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                error = storage_error(exc, self.path, shown=self.path.parent)
                if error is None:
                    raise
                raise error from exc
            try:
                _lock(fd)
                _same_file(fd, self.path)
            except OSError as exc:
                os.close(fd)
                if exc.errno in _BUSY or isinstance(exc, FileNotFoundError):
                    raise VaultInUse() from exc
                raise
        except BaseException:
            if dir_fd is not None:
                _unlock_folder(dir_fd)
            raise
        self._fd = fd
        self._dir_fd = dir_fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None
            if self._dir_fd is not None:
                _unlock_folder(self._dir_fd)
                self._dir_fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _same_file(fd: int, path: Path) -> None:
    """The path still names the file we locked (not deleted or replaced meanwhile)."""
    held = os.fstat(fd)
    now = os.stat(path)  # FileNotFoundError if it was deleted: read as "in use"
    if (held.st_dev, held.st_ino) != (now.st_dev, now.st_ino):
        raise OSError(errno.EAGAIN, "vault.lock was replaced while being locked")


# sys.platform, not os.name: mypy reads this test and checks each branch only for its own system.
if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _lock_folder(folder: Path) -> int | None:
        return None

    def _unlock_folder(fd: int) -> None:
        return None

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock_folder(folder: Path) -> int | None:
        """A lock on the folder itself, or None where the file system has none."""
        try:
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            error = storage_error(exc, folder / ".")
            if error is None:
                raise
            raise error from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise VaultInUse() from exc
            return None  # ENOLCK, EINVAL, ENOTSUP...: no folder locks here
        return fd

    def _unlock_folder(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
