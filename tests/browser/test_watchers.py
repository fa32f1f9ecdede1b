"""The journeys' watchers catch what they are there to catch: console errors (a Content
Security Policy violation is one), uncaught page errors, and requests to other hosts."""

import pytest

from .conftest import Journey

pytestmark = [pytest.mark.browser]

PAGE = """<!DOCTYPE html>
<img src="https://tile.openstreetmap.org/0/0/0.png" alt="">
<script>
  console.error("boom");
  setTimeout(function () { throw new Error("bang"); }, 0);
</script>
"""


def test_it_records_console_errors_page_errors_and_requests_to_other_hosts(browser):
    journey = Journey(browser, "http://127.0.0.1:9", "watchers")
    try:
        page = journey.blank_page()
        page.set_content(PAGE)
        page.wait_for_timeout(200)  # the thrown error comes after the page has loaded
        assert any("console error: boom" in e for e in journey.errors), journey.errors
        assert any("page error: bang" in e for e in journey.errors), journey.errors
        assert journey.outside == ["https://tile.openstreetmap.org/0/0/0.png"]
        with pytest.raises(AssertionError, match="requests to other hosts"):
            journey.assert_clean()
    finally:
        journey.close()
