"""prop=stashimageinfo: stashed files of the current user (ApiQueryStashImageInfo).

Runs without a page set; gives ``query.stashimageinfo``, one entry per distinct key, with
the imageinfo properties that make sense for a file that has no page yet.
"""

from __future__ import annotations

from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.errors import ApiError
from wikiupload.files.info import STASH_PROPS, stash_info
from wikiupload.files.thumbparams import merge_thumb_params, scale_of
from wikiupload.upload.stash import UploadStash

PATH = "query+stashimageinfo"


@registry.register
class StashImageInfoModule(QuerySubmodule):
    name = "stashimageinfo"
    group = "prop"
    prefix = "sii"
    class_name = "ApiQueryStashImageInfo"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Stashimageinfo"
    description = "Returns file information for stashed files."
    params = (
        Param("filekey", "string", multi=True,
              help="Key that identifies a previous upload that was stashed temporarily."),
        Param("sessionkey", "string", multi=True, deprecated=True,
              help="Alias for siifilekey, for backward compatibility."),
        Param("prop", STASH_PROPS, default="timestamp|url", multi=True,
              help="Which file information to get."),
        Param("urlwidth", "integer", default=-1,
              help="If siiprop=url is set, a URL to an image scaled to this width will be "
                   "returned. For performance reasons if this option is used, no more than "
                   "50 scaled images will be returned."),
        Param("urlheight", "integer", default=-1, help="Similar to siiurlwidth."),
        Param("urlparam", "string", default="",
              help="A handler specific parameter string. For example, PDFs might use "
                   "page15-100px. siiurlwidth must be used and be consistent with "
                   "siiurlparam."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        if ctx.user.is_anon:
            raise ApiError("apierror-mustbeloggedin-uploadstash", code="notloggedin")
        keys: list[str] = list(params["filekey"]) or list(params["sessionkey"])
        if "siifilekey" not in ctx.params and "siisessionkey" not in ctx.params:
            raise ApiError("apierror-missingparam-at-least-one-of",
                           '"siifilekey" and "siisessionkey"', 2, code="missingparam")
        stash = UploadStash(ctx.db, ctx.wiki.filerepo)
        scale = scale_of(params)
        props = set(params["prop"])
        found: list[dict[str, Any]] = []
        for key in keys:
            row = stash.get(key, ctx.user.id)
            thumb = merge_thumb_params(ctx, PATH, "sii", scale, name=row.temp_name or key,
                                       mime=row.mime, width=row.width, height=row.height)
            found.append(stash_info(ctx, row, props, thumb=thumb))
        if found:
            self.state(ctx).out["stashimageinfo"] = found


__all__ = ["StashImageInfoModule"]
