"""Fixtures of the CMS base tests: the demo site and HTML parsing helpers."""

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from home.demo_content import ensure_demo_site


@pytest.fixture
def home_page(db):
    return ensure_demo_site()


@pytest.fixture
def english():
    # Assertions on UI text use the English msgids, whatever translations exist.
    with translation.override("en"):
        yield


@pytest.fixture
def soup():
    def parse(response_or_html):
        html = response_or_html.content.decode() if hasattr(response_or_html, "content") else str(response_or_html)
        return BeautifulSoup(html, "html.parser")

    return parse
