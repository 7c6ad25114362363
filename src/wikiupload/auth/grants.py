"""$wgGrantPermissions: the rights each bot-password grant allows."""

from __future__ import annotations

_EDIT = ("edit", "minoredit", "applychangetags", "changetags", "editcontentmodel")

GRANT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "basic": ("autocreateaccount", "autoconfirmed", "autopatrol", "editsemiprotected",
              "ipblock-exempt", "nominornewtalk", "patrolmarks", "read", "unwatchedpages",
              "purge", "writeapi"),
    "highvolume": ("bot", "apihighlimits", "noratelimit", "markbotedits"),
    "editpage": _EDIT,
    "editprotected": (*_EDIT, "editprotected"),
    "editmycssjs": (*_EDIT, "editmyusercss", "editmyuserjs", "editmyuserjson"),
    "editmyoptions": ("editmyoptions", "editmyuserjson"),
    "editinterface": (*_EDIT, "editinterface", "edituserjson", "editsitejson"),
    "createeditmovepage": ("createpage", "createtalk", "delete-redirect", "move",
                           "move-rootuserpages", "move-subpages", "move-categorypages",
                           "suppressredirect"),
    "uploadfile": ("upload", "reupload-own"),
    "uploadeditmovefile": ("upload", "reupload-own", "reupload", "reupload-shared",
                           "upload_by_url", "movefile", "suppressredirect"),
    "patrol": ("patrol",),
    "rollback": ("rollback",),
    "blockusers": ("block", "blockemail"),
    "viewdeleted": ("browsearchive", "deletedhistory", "deletedtext"),
    "viewrestrictedlogs": ("suppressionlog",),
    "delete": (*_EDIT, "browsearchive", "deletedhistory", "deletedtext", "delete",
               "bigdelete", "deletelogentry", "deleterevision", "undelete"),
    "oversight": ("suppressrevision", "viewsuppressed"),
    "protect": (*_EDIT, "protect"),
    "viewmywatchlist": ("viewmywatchlist",),
    "editmywatchlist": ("editmywatchlist",),
    "sendemail": ("sendemail",),
    "createaccount": ("createaccount",),
    "privateinfo": ("viewmyprivateinfo",),
    "mergehistory": ("mergehistory",),
    "import": ("import", "importupload"),
    "editsiteconfig": (*_EDIT, "editinterface", "editsitejson"),
}

IMPLICIT_GRANTS = ("basic",)


def rights_for_grants(grants: list[str]) -> frozenset[str]:
    rights: set[str] = set()
    for grant in (*IMPLICIT_GRANTS, *grants):
        rights.update(GRANT_PERMISSIONS.get(grant, ()))
    return frozenset(rights)
