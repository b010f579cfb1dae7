"""The gallery: the image grid, its model, delegate, filter bar."""
