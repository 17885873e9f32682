"""Documents from a campaign: wording rendered (documents), email drafts (eml), PDFs (pdf)."""
