"""What the last validate worked out, each result kept by what it is made from, so the next one redoes only what an edit touches."""
