"""After the letters go out: each letter's reference, a log of what was sent and what came
back (:mod:`.log`), reports (:mod:`.report`) and follow-ups (:mod:`.followup`).

Only :mod:`.reference` is imported by the renderer (it needs nothing but the standard
library); the rest is loaded by the commands that use it.
"""
