"""Another revision's code beside this checkout: a detached git worktree, removed afterwards."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench import appconfig

REVISION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._/~^-]{0,99}")  # a commit, tag, branch, HEAD~2


@contextlib.contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """A detached worktree of the revision, with its translations compiled; removed after."""
    if not REVISION.fullmatch(revision):  # never an option to git
        raise ValueError(f"not a revision: {revision!r}")
    place = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    tree = place / "tree"
    git = ["git", "-C", str(appconfig.ROOT)]
    add = [*git, "worktree", "add", "--quiet", "--detach", str(tree), revision]
    subprocess.run(add, check=True)  # noqa: S603  (the revision matched REVISION)
    try:
        pybabel = Path(sys.executable).parent / "pybabel"
        translations = tree / "enquiry" / "translations"
        subprocess.run(  # noqa: S603
            [str(pybabel), "-q", "compile", "--use-fuzzy", "-f", "-d", str(translations)],
            check=True,
        )
        yield tree
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)  # noqa: S603
        shutil.rmtree(place, ignore_errors=True)
