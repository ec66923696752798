"""pipeline: a bilingual (English / Hebrew) headless CMS content pipeline."""

__version__ = "0.1.0"
