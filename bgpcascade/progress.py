"""Progress lines on stderr for long work; ``--quiet`` silences them."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Prints ``[bgpcascade] <step>`` lines with elapsed seconds to stderr."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.monotonic()

    def __call__(self, message: str) -> None:
        """Report one step."""
        if self.quiet:
            return
        elapsed = time.monotonic() - self.start
        print(f"[bgpcascade {elapsed:6.1f}s] {message}", file=self.stream, flush=True)
