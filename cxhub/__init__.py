"""CX Hub: the application shell (settings, wiring, the cxhub command)."""
