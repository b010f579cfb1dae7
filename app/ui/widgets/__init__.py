"""Small shared pieces: style, common widgets, thumbnails, commands, notifications."""
