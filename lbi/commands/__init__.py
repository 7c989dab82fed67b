"""CLI commands beyond the core ones: each module here has ``register(app)``, called by lbi.cli."""
