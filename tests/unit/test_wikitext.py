"""The transclusion finder, checked against what MediaWiki 1.39 recorded for the same text."""

from __future__ import annotations

import pytest

from wikiupload.titles import Title
from wikiupload.wikitext import (
    Argument,
    Template,
    TransclusionFinder,
    parse,
    section,
    strip_markup,
)

PAGES = {
    Title(10, "Foo"): "I am foo",
    Title(10, "Uses"): ("A {{{1}}} B {{{named|{{UsesDefault}}}}} {{Sub2}}"
                        "<noinclude>{{DocOnly}}</noinclude><includeonly>{{IncOnly}}"
                        "</includeonly>"),
    Title(10, "Loop"): "{{Loop}} {{Loop2}}",
    Title(10, "Loop2"): "{{Loop}}",
    Title(10, "Redirect"): "#REDIRECT [[Template:Target]]",
    Title(10, "Target"): "{{FromTarget}}",
    Title(10, "Only"): "out {{Out}} <onlyinclude>{{In}}</onlyinclude> out",
}


def found(text: str) -> list[str]:
    finder = TransclusionFinder(PAGES.get, "RefWiki")
    return [title.prefixed("RefWiki") for title in finder.find(text)]


def test_everything_mediawiki_recorded_for_one_page() -> None:
    """The exact set MediaWiki 1.39 listed for this text (a missing Template:Foo aside)."""
    text = (
        "second {{Foo}} {{bar|x=1}} {{Template:Baz}} {{:Main Page}} {{User:X/y}} {{PAGENAME}}"
        " {{#if:x|{{Inner}}|}} {{ lower case |a}} {{Foo}} {{DEFAULTSORT:Z}} {{msgnw:Msg}}"
        " {{int:edit}} {{ns:1}} {{Nested|{{Deep}}}} <nowiki>{{NoWiki}}</nowiki>"
        " <!-- {{Commented}} --> {{{param|{{InParam}}}}} {{Template:Foo}} {{raw:Raw}}"
        " {{MSG:Msgx}} {{Special:Foo}} {{File:X.png}} {{Media:Y.png}} {{Image:Z.png}}"
        " {{Talk:Foo}} {{Bad<x>}} {{  }} {{Foo_bar}} {{foo bar}} {{#invoke:X|y}}"
        " {{CURRENTYEAR}} {{subst:Sub}} {{safesubst:Safe}} {{Template:}} {{Ünïcode}}"
        " {{Project:P}} {{RefWiki:RP}} <pre>{{Pre}}</pre> <includeonly>{{IO}}</includeonly>"
        "<noinclude>{{NI}}</noinclude> <onlyinclude>{{OI}}</onlyinclude> {{Foo#frag}}"
        " {{w:Interwiki}}")
    assert sorted(found(text)) == [
        "File:X.png", "File:Z.png", "Main Page", "Media:Y.png", "RefWiki:P", "RefWiki:RP",
        "Talk:Foo", "Template:Bar", "Template:Baz", "Template:Foo", "Template:Foo bar",
        "Template:InParam", "Template:Inner", "Template:Lower case", "Template:Msg",
        "Template:Msgx", "Template:NI", "Template:Nested", "Template:OI", "Template:Raw",
        "Template:Safe", "Template:W:Interwiki", "Template:Ünïcode", "User:X/y"]


@pytest.mark.parametrize(("text", "expected"), [
    ("{{Nested|{{Deep}}}}", ["Template:Nested"]),
    ("{{#if:x|{{Inner}}}}", ["Template:Inner"]),
    ("{{Foo|{{Deep2}}}}", ["Template:Foo"]),
    ("{{Uses|{{Arg1}}|named=X}}", ["Template:Uses", "Template:Arg1", "Template:Sub2",
                                   "Template:IncOnly"]),
    ("{{Uses|{{Arg1}}}}", ["Template:Uses", "Template:Arg1", "Template:UsesDefault",
                           "Template:Sub2", "Template:IncOnly"]),
    ("{{#if:|{{Then}}|{{Else}}}}", ["Template:Then", "Template:Else"]),
    ("{{#foo:{{Q}}}}", ["Template:Q"]),
    ("{{lc:{{LcArg}}}}", ["Template:LcArg"]),
    ("{{ {{NameTpl}} }}", ["Template:NameTpl"]),
    ("{{{{{x}}}}}", []),
    ("{{{{Foo}}}}", []),
    ("{{Foo|[[a|{{InLink}}]]}}", ["Template:Foo"]),
    ("{{Uses|[[a|{{InLink}}]]}}", ["Template:Uses", "Template:InLink", "Template:UsesDefault",
                                   "Template:Sub2", "Template:IncOnly"]),
    ("{{#invoke:X|y|{{Inv}}}}", ["Template:Inv"]),
    ("{{PAGENAME:{{PN}}}}", ["Template:PN"]),
    ("{{pagename}}", ["Template:Pagename"]),
    ("{{DISPLAYTITLE:x}}{{Uses}}", ["Template:Uses", "Template:UsesDefault", "Template:Sub2",
                                    "Template:IncOnly"]),
    ("<nowiki />{{A}}<NOWIKI>{{B}}</nowiki >", ["Template:A"]),
    ("<!-- unclosed {{A}}", []),
    ("{{A|unclosed", []),
    ("}} {{A}} {{", ["Template:A"]),
])
def test_what_counts_as_a_transclusion(text: str, expected: list[str]) -> None:
    """Cases checked one by one against MediaWiki 1.39's templatelinks."""
    assert found(text) == expected


def test_loops_redirects_and_onlyinclude() -> None:
    assert found("{{Loop}}") == ["Template:Loop", "Template:Loop2"]
    assert found("{{Redirect}}") == ["Template:Redirect", "Template:Target",
                                     "Template:FromTarget"]
    assert found("{{Only}}") == ["Template:Only", "Template:In"]


def test_the_page_itself_is_not_expanded_again() -> None:
    calls: list[Title] = []

    def load(title: Title) -> str | None:
        calls.append(title)
        return "{{:Self}}"

    finder = TransclusionFinder(load, "RefWiki")
    assert finder.find("{{:Self}}", Title(0, "Self")) == [Title(0, "Self")]
    assert calls == []


def test_parse_tree() -> None:
    assert parse("a{{{{{x}}}}}b{{c|d=e|{{f}}}}") == [
        "a", Template(((Argument((("x",),)),),)), "b",
        Template((("c",), ("d=e",), (Template((("f",),)),)))]
    assert parse("{{a|[[b|c]]}}") == [Template((("a",), ("[[b|c]]",)))]
    assert parse("{x} {{{{y}}}}") == ["{x} {", Argument((("y",),)), "}"]


def test_strip_markup() -> None:
    text = "a<includeonly>b</includeonly>c<noinclude>d</noinclude>e<!--f-->g"
    assert strip_markup(text) == "acdeg"
    assert strip_markup(text, transcluded=True) == "abceg"
    assert strip_markup("x<onlyinclude>1</onlyinclude>y<onlyinclude>2</onlyinclude>",
                        transcluded=True) == "12"
    assert strip_markup("<pre>{{A}}</pre><nowiki>{{B}}</nowiki>{{C}}") == "{{C}}"


def test_sections() -> None:
    text = ("intro\n\n== A ==\ntext a\n=== A1 ===\na1\n\n== B ==\nb text\n"
            "<!-- == C == -->\n<nowiki>== D ==</nowiki>\n==F==\nf  \n")
    assert section(text, 0) == "intro"
    assert section(text, 1) == "== A ==\ntext a\n=== A1 ===\na1"
    assert section(text, 2) == "=== A1 ===\na1"
    assert section(text, 3) == ("== B ==\nb text\n<!-- == C == -->\n"
                                "<nowiki>== D ==</nowiki>")
    assert section(text, 4) == "==F==\nf"
    assert section(text, 5) is None
    assert section("no headings\n", 0) == "no headings"
