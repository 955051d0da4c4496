"""Compact JSON encoding shared by the JSONL renderers (keys keep insertion order)."""

from __future__ import annotations

import json

dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
