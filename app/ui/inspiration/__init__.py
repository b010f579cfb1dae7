"""Inspiration and saved prompts: the panel, its cards, presets and the prompt library."""
