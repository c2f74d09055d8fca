"""Districts, the road graph and travel-time matrices. Pure functions; file I/O only in geo.io.

Modules: ``io`` (readers), ``districts`` (point → district), ``graph`` (road graph builder),
``snap`` (points onto streets), ``conditions`` (snow, plowing, closures), ``matrix`` (travel-time and
distance matrices, route geometry). See docs/geo.md.
"""
