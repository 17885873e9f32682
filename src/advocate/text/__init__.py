"""Words: Markdown to HTML and text (markdown), languages, dates and translations (localise)."""
