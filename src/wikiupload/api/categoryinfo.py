"""prop=categoryinfo: member counts of categories (see includes/api/ApiQueryCategoryInfo.php).

Only category pages get ``categoryinfo``. Category membership is not recorded here, so an
existing category page reports no members, and a missing one (which MediaWiki only
describes when it has members) gets nothing.
"""

from __future__ import annotations

import re
from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.db.models import Page
from wikiupload.pages import latest_revisions

NS_CATEGORY = 14
_HIDDENCAT = re.compile(r"__HIDDENCAT__")


@registry.register
class CategoryInfoModule(QuerySubmodule):
    name = "categoryinfo"
    group = "prop"
    prefix = "ci"
    class_name = "ApiQueryCategoryInfo"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Categoryinfo"
    description = "Returns information about the given categories."
    params = (
        Param("continue", "string",
              help="When more results are available, use this to continue."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        entries = [e for e in self.state(ctx).pageset.good()
                   if e.title is not None and e.title.namespace == NS_CATEGORY
                   and e.page is not None]
        pages: list[Page] = [e.page for e in entries if e.page is not None]
        latest = latest_revisions(ctx.db, pages)
        for entry in entries:
            assert entry.page is not None
            revision = latest.get(entry.page.id)
            hidden = revision is not None and _HIDDENCAT.search(revision.content) is not None
            entry.data["categoryinfo"] = {"size": 0, "pages": 0, "files": 0, "subcats": 0,
                                          "hidden": hidden}
