"""One line saying what a claim's test compares (for claims.md and the HTML report).

Each test family words its own test (`harness.claims.families`); this module is the stable name.
"""

from __future__ import annotations

from harness.claims.families import describe_test
from harness.claims.families.base import selector

__all__ = ["describe_test", "selector"]
