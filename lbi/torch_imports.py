"""One lock for the first imports that load torch: sentence-transformers loads it directly, Great Expectations
through scipy's array-API probe. Two threads importing torch at once have crashed runs with "partially
initialized module 'torch'"; whoever imports first under the lock finishes before the other starts."""

from __future__ import annotations

import threading

TORCH_IMPORTS = threading.RLock()
