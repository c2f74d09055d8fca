"""Crewline's Litestar application: web controllers, use-case services and persistence."""
