"""Use cases: what the web layer calls. No Litestar imports here."""
