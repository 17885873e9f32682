"""The one sandboxed Jinja host (host) and the fill-in letter stencils (stencil)."""
