"""wikiupload: a media upload server that speaks the MediaWiki Action API."""

__version__ = "0.1.0"
MEDIAWIKI_COMPAT_VERSION = "1.39.17"
