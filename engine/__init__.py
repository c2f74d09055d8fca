"""Crewline's optimisation core: typed, immutable problems in, typed plans out. Pure: no I/O."""
