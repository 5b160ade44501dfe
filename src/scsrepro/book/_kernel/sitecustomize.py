"""Record the project files a chapter's kernel opens (loaded only by ``make book``'s kernels).

:mod:`scsrepro.book.execute` starts each chapter's kernel with this folder on
``PYTHONPATH`` and two variables set: ``SCSREPRO_READS_LOG`` (a file to append
to) and ``SCSREPRO_ROOT`` (the project folder). Python imports
``sitecustomize`` at start-up, so the audit hook below sees every file the
kernel opens from then on -- data, configuration, published numbers and the
package's own modules (a module read from its ``__pycache__`` is recorded as
its source file). Each project file is written to the log once, as soon as
it is first opened, so the record survives a kernel that dies.
"""

import os
import sys


def _install() -> None:
    log = os.environ.get("SCSREPRO_READS_LOG")
    root = os.environ.get("SCSREPRO_ROOT")
    if not log or not root:
        return
    root = os.path.abspath(root) + os.sep
    skip = tuple(root + d + os.sep for d in (".venv", ".git", "_build"))
    seen: set = set()
    busy = [False]

    def hook(event, args):
        if event != "open" or busy[0] or not args:
            return
        target = args[0]
        if not isinstance(target, (str, bytes, os.PathLike)):
            return
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            return  # a file written, not read
        if mode is None and isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR):
            return
        busy[0] = True
        try:
            path = os.path.abspath(os.fsdecode(target))
            if not path.startswith(root) or path.startswith(skip):
                return
            head, name = os.path.split(path)
            if os.path.basename(head) == "__pycache__" and name.endswith(".pyc"):
                path = os.path.join(os.path.dirname(head), name.split(".")[0] + ".py")
            if path in seen:
                return
            seen.add(path)
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (path[len(root) :] + "\n").encode("utf-8"))
            finally:
                os.close(fd)
        finally:
            busy[0] = False

    sys.addaudithook(hook)


_install()
