"""Message catalogues: texts keyed by MediaWiki message key, one JSON file per language."""

from wikiupload.i18n.messages import Message, available_languages, render

__all__ = ["Message", "available_languages", "render"]
