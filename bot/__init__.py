"""Wiring: settings, the Application, the scheduler and the command line."""
