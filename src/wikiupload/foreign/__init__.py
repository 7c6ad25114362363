"""Foreign file repositories reached through their Action API ($wgForeignFileRepos with
ForeignAPIRepo): files another wiki holds, looked up by name and by SHA-1."""

from wikiupload.foreign.repo import (
    ForeignApiRepo,
    ForeignFile,
    find_foreign_file,
    foreign_duplicates,
    foreign_repos,
    imageinfo_entry,
)

__all__ = ["ForeignApiRepo", "ForeignFile", "find_foreign_file", "foreign_duplicates",
           "foreign_repos", "imageinfo_entry"]
