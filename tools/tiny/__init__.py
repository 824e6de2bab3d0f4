"""Builders of tiny random-weight models (one module per area), so every code path runs offline."""
