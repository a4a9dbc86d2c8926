"""Regenerate the golden files of the sample's report: `python tests/golden/update.py`.

Review the diff before committing it: it is every cell the report changed.
"""

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import SAMPLES  # noqa: E402
from test_build import GENERATED_AT, report_lines  # noqa: E402
from xlfin.pipeline import build  # noqa: E402

if __name__ == "__main__":
    folder = Path(tempfile.mkdtemp())
    outcome = build(
        SAMPLES / "agency.xlsx",
        folder / "r.xlsx",
        folder / "s.json",
        generated_at=GENERATED_AT,
        ledger_path=folder / "ledger.sqlite",
    )
    (HERE / "agency-report.txt").write_text(
        "\n".join(report_lines(outcome.report)) + "\n", encoding="utf-8"
    )
    shutil.copy(outcome.summary, HERE / "agency-summary.json")
    print("updated tests/golden/agency-report.txt and agency-summary.json")
