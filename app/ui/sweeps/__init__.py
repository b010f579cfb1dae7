"""Sweeps in the UI: the planner, the grid and the sweeps list (flows/sweep_flow.py wires them)."""
