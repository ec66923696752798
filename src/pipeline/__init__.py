"""pipeline: a bilingual (English / Hebrew) headless CMS content pipeline."""

from pathlib import Path

__version__ = "0.1.0"
PACKAGE = Path(__file__).resolve().parent  # its code, theme and data files, read from where they are installed
