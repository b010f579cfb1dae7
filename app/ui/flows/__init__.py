"""Flows: what a user action does, built with the UI session plus the widgets it drives."""
