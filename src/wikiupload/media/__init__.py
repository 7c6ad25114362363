"""Media files: content type detection, SVG safety filter, image properties and metadata."""

from wikiupload.media.sniff import FileType, detect_file_type, guess_mime_type

__all__ = ["FileType", "detect_file_type", "guess_mime_type"]
