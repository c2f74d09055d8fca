"""Templates and static files for Crewline's screens (served by the app, never imported for logic)."""
