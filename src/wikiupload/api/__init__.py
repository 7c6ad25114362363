"""The MediaWiki Action API: modules, parameter specs, dispatch and output."""
