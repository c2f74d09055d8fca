"""Districts, the road graph and travel-time matrices. Pure functions; file I/O only in geo.io."""
