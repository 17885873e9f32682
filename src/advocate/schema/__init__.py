"""Reading campaign files: the strict YAML reader (load) and the validated model (campaign)."""
