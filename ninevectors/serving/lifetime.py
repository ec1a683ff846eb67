"""A supervised process ends when its supervisor does, even one killed with SIGKILL.

Without this, a web server whose supervisor died keeps its port (the restarted one cannot
bind) and goes on serving unsupervised. Linux only (``prctl(PR_SET_PDEATHSIG)``); elsewhere
these are no-ops. The signal follows the parent *thread* that started the child: supervisord
and Granian's master both start their children from their main thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

SUPERVISED_ENV = "NINEVECTORS_SUPERVISED"
_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal(sig: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def end_with_parent(sig: int = signal.SIGTERM) -> None:
    """Get ``sig`` when the parent process dies (and now, if it died already)."""
    parent = os.getppid()
    _set_parent_death_signal(sig)
    if os.getppid() != parent:  # it died before the signal was armed
        os.kill(os.getpid(), sig)


def end_with_supervisor() -> None:
    """:func:`end_with_parent` for a process started by ``serve``'s supervisor."""
    if os.environ.get(SUPERVISED_ENV) == "1":
        end_with_parent()


def forked_children_end_with_this_process() -> None:
    """Every process forked from this one from now on ends when this one does."""
    os.register_at_fork(after_in_child=lambda: _set_parent_death_signal(signal.SIGTERM))
