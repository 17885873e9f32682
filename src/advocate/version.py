"""advocate's version, in a module of its own: anything may read it without importing the
package's public face (``advocate/__init__.py``)."""

__version__ = "0.1.0"
