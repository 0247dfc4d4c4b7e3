"""The editorial archive: people, organisations, events, quotes, and their annotations."""
