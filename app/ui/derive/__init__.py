"""Work from a result: the Upscale popover, the Re-imagine dialog, their flow and commands."""
