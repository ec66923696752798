"""Interface strings: gettext PO files, the Babel workflow behind `pipeline i18n`, catalog checks, and translations at run time."""
