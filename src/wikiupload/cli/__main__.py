import sys

from wikiupload.cli import main

sys.exit(main())
