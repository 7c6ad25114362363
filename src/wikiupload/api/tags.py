"""list=tags: the change tags there are, sorted by name (see includes/api/ApiQueryTags.php)."""

from __future__ import annotations

from typing import Any

from wikiupload import changetags
from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule

PROPS = ("displayname", "description", "hitcount", "defined", "source", "active")


@registry.register
class TagsModule(QuerySubmodule):
    name = "tags"
    group = "list"
    prefix = "tg"
    class_name = "ApiQueryTags"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Tags"
    description = "List change tags."
    examples = (("action=query&list=tags&tgprop=displayname|description|hitcount|defined",
                 "List available tags."),)
    params = (
        Param("continue", "string",
              help="When more results are available, use this to continue."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="The maximum number of tags to list."),
        Param("prop", PROPS, default="", multi=True, help="Which properties to get."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        state = self.state(ctx)
        limit = int(params["limit"])
        if ctx.params.get("tglimit", "").strip() == "max":
            state.limits["tags"] = limit
        catalogue = _Catalogue(ctx)
        names = sorted(catalogue.hits)
        if params["continue"] is not None:
            names = [name for name in names if name >= params["continue"]]
        if len(names) > limit:
            state.set_continue("tags", "tgcontinue", names[limit])
        props = set(params["prop"])
        state.out["tags"] = [catalogue.describe(name, props) for name in names[:limit]]


class _Catalogue:
    """Every tag worth listing: software, defined, and used ones, with their hit counts."""

    def __init__(self, ctx: ApiContext) -> None:
        self.settings = ctx.settings
        self.software = set(changetags.SOFTWARE_TAGS)
        self.defined = set(changetags.defined_tags(ctx.settings))
        self.hits = dict.fromkeys([*changetags.SOFTWARE_TAGS, *self.defined], 0)
        self.hits.update(changetags.hit_counts(ctx.db))

    def describe(self, name: str, props: set[str]) -> dict[str, Any]:
        tag: dict[str, Any] = {"name": name}
        if "displayname" in props:
            tag["displayname"] = changetags.display_name(self.settings, name)
        if "description" in props:
            tag["description"] = changetags.description(self.settings, name)
        if "hitcount" in props:
            tag["hitcount"] = self.hits[name]
        software, defined = name in self.software, name in self.defined
        if "defined" in props:
            tag["defined"] = software or defined
        if "source" in props:
            tag["source"] = (["extension"] if software else []) + (["manual"] if defined else [])
        if "active" in props:
            tag["active"] = software or defined
        return tag
