"""The Tasks panel: one row per generation, live progress, stop and resume."""
