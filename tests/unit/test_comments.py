"""parsedcomment HTML, checked against MediaWiki 1.39's output for the same summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikiupload.comments import format_comment
from wikiupload.config import Settings, load
from wikiupload.titles import Title

EXISTING = {Title(0, "Main Page"), Title(1, "Probe"), Title(0, "P15")}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load(env={}, data_dir=tmp_path, article_path="/index.php/$1", sitename="RefWiki")


def html(settings: Settings, text: str, page: str = "P30") -> str:
    return format_comment(text, Title(0, page), settings, EXISTING.__contains__)


def red(key: str, name: str, label: str) -> str:
    return (f'<a href="/index.php?title={key}&amp;action=edit&amp;redlink=1" class="new" '
            f'title="{name} (page does not exist)">{label}</a>')


MAIN = '<a href="/index.php/Main_Page" title="Main Page">{}</a>'


def test_plain_text_is_escaped(settings: Settings) -> None:
    assert html(settings, "ref capture upload") == "ref capture upload"
    assert html(settings, "it's <b> & \"q\"") == "it&#039;s &lt;b&gt; &amp; &quot;q&quot;"


def test_section_autocomments(settings: Settings) -> None:
    assert html(settings, "pre /* Sec tion */") == (
        'pre <span dir="auto"><span class="autocomment"><a href="/index.php/P30#Sec_tion" '
        'title="P30">\u2192\u200eSec tion</a></span></span>')
    assert html(settings, "/* A [[b]] */ c /* d */") == (
        '<span dir="auto"><span class="autocomment"><a href="/index.php/P30#A_b" '
        'title="P30">\u2192\u200eA &#91;&#91;b&#93;&#93;</a>: </span> c <span dir="auto">'
        '<span class="autocomment"><a href="/index.php/P30#d" title="P30">\u2192\u200ed</a>'
        '</span></span></span>')


def test_links(settings: Settings) -> None:
    text = ("[[Main Page]]s and [[Foo]]x.y [[Main Page#Top]] [[Main Page|]] [[ :Main Page ]] "
            "[[Talk:x|T]]")
    assert html(settings, text) == (
        f"{MAIN.format('Main Pages')} and {red('Foo', 'Foo', 'Foox')}.y "
        '<a href="/index.php/Main_Page#Top" title="Main Page">Main Page#Top</a> '
        f"{MAIN.format('Main Page')} {MAIN.format('Main Page ')} "
        f"{red('Talk:X', 'Talk:X', 'T')}")
    assert html(settings, "[[Special:Nope]] [[Media:X.png]] [[Main Page|a]bc]] [[Bad<x]]") == (
        '<a href="/index.php/Special:Nope" class="new" title="Special:Nope (page does not '
        'exist)">Special:Nope</a> <a href="/index.php?title=Special:Upload&amp;wpDestFile='
        'X.png" class="new" title="X.png">Media:X.png</a> '
        f"{MAIN.format('a]bc')} [[Bad&lt;x]]")
    assert html(settings, "[[#local]] [[Special:RecentChanges]]", page="P15") == (
        '<a href="/index.php/P15#local" title="P15">#local</a> <a href="/index.php/'
        'Special:RecentChanges" title="Special:RecentChanges">Special:RecentChanges</a>')
