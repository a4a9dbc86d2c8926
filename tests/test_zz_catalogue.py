"""Every problem code of the catalogue is reported by xlfin in some test of this suite.

conftest records the code of every Problem made while the tests run; this module's name
sorts last, so its test runs after all the others. A code that no test makes xlfin report
(its raising line deleted, or never written) fails here; no code is exempt by hand.
"""

import pytest

from conftest import REPORTED, RUN
from xlfin.problems import CATALOGUE


def test_every_code_is_reported_by_some_test():
    if not RUN["full"]:
        pytest.skip("only a run of the whole suite can tell (some tests were not collected)")
    missing = [c.code for c in CATALOGUE if c.code not in REPORTED]
    assert not missing, f"no test makes xlfin report {missing}"
