"""Touchpoint's demo-data generator: a simulated omnichannel retailer's siloed extracts.

    from simulator import generate
    summary = generate("out", customers=2_000, days=180, seed=7)

writes `out/landing/<system>/<entity>/<YYYY-MM-DD>[.partNN].<ext>[.gz]` exactly as the input
contract describes, and `out/truth/` (persons, record links, planted effects, injected defects).
"""

from .config import SimulatorConfig
from .engine import DEFAULT_START, GenerationSummary, generate

__all__ = ["DEFAULT_START", "GenerationSummary", "SimulatorConfig", "generate"]
