"""The single-image viewer and the side-by-side compare view."""
