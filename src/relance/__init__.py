"""Relance: dunning of unpaid customer invoices for small French companies."""

__version__ = "0.1.0"
