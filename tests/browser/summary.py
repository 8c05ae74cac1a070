"""Print what the browser tests left behind: each audited page, its axe-core result and its screenshot.

    python -m tests.browser.summary

Run by ``.ci/run`` after the tests so the log says which pages were checked and how they fared.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from tests.browser.conftest import AXE_REPORT, ROOT, SCREENSHOTS


def main() -> int:
    if not AXE_REPORT.exists():
        print("no accessibility report: the browser tests did not run")
        return 0
    report = json.loads(AXE_REPORT.read_text())
    impacts: Counter[str] = Counter()
    print(f"Accessibility (axe-core {next(iter(report.values()))['axe_version']}, WCAG 2.1 A/AA rules):")
    for name, page in report.items():
        found = page["violations"]
        impacts.update(v["impact"] for v in found)
        listed = ", ".join(f"{v['id']} ({v['impact']})" for v in found) or "no violations"
        shot = (SCREENSHOTS / f"{name}.png").relative_to(ROOT)
        print(f"  {name:34} {listed:40} {shot}")
    shots = sorted(SCREENSHOTS.glob("*.png"))
    print(f"{len(report)} pages audited, violations by impact: {dict(impacts) or 'none'}; {len(shots)} screenshots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
