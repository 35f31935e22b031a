"""The index's typed errors and warnings: each message is one line a user can act on.

The CLI and the app show ``str(error)`` as it is (one line, exit 2); nothing
here carries a traceback a user has to read.
"""

from __future__ import annotations


class IndexUnavailable(RuntimeError):
    """The index cannot be used as asked (missing, outdated, busy, or its vectors unreachable)."""


class IngestRunning(IndexUnavailable):
    """Another ingest holds this index's lock and the caller chose not to wait."""


class BadEmbedder(IndexUnavailable, ValueError):
    """``POLICYQA_EMBEDDER`` (or the name given) names no embedder we can load."""


class DegradedSearch(UserWarning):
    """Search answered with fewer legs than asked (e.g. keyword only while Chroma is down)."""
