"""What translators run on a checked site: `pipeline status` (the report and its HTML dashboard) and `pipeline translate`."""
