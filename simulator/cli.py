"""Command line: `touchpoint generate ...` (wired by the lead) or `python -m simulator ...`."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from .config import SimulatorConfig
from .engine import DEFAULT_START, generate
from .profiles import PROFILES, profile_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", required=True, help="output folder (landing/ and truth/ are written inside)"
    )
    parser.add_argument(
        "--customers", type=int, default=2_000, help="people in the simulated population"
    )
    parser.add_argument(
        "--days", type=int, default=180, help="length of the delivery window in days"
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed; same arguments give identical files"
    )
    parser.add_argument(
        "--start-date",
        type=dt.date.fromisoformat,
        default=DEFAULT_START,
        help=f"first delivery date, YYYY-MM-DD (default {DEFAULT_START})",
    )
    parser.add_argument(
        "--profile",
        default="demo",
        choices=sorted(PROFILES),
        help="named company conventions (simulator/profiles.py); --config applies on top",
    )
    parser.add_argument(
        "--config", help="JSON file overriding config values (see docs/simulator.md)"
    )
    parser.add_argument(
        "--defect-scale",
        type=float,
        default=None,
        help="multiply every defect rate (0 = a clean delivery)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default from config: 2)"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace existing landing/ and truth/ folders"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    overrides = json.loads(Path(args.config).read_text()) if args.config else {}
    cfg = SimulatorConfig.from_dict(_merged(profile_config(args.profile), overrides))
    if args.defect_scale is not None:
        cfg = dataclasses.replace(cfg, defects=cfg.defects.scaled(args.defect_scale))
    if args.workers is not None:
        cfg = dataclasses.replace(cfg, workers=args.workers)
    try:
        summary = generate(
            args.out,
            args.customers,
            args.days,
            args.seed,
            args.start_date,
            cfg,
            progress=not args.quiet,
            overwrite=args.force,
        )
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary.describe())
    return 0


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Nested dicts merged key by key; `overrides` wins."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Generate a simulated company's extracts."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
