"""Sources: articles as published, their canonical text, and the anchoring of passages in it."""
